//! The manual pages and shell completions an installer ships, generated from the very clap
//! definitions the command line parses ([`super::args::Cli`]), so they cannot drift from it.
//! `scripts/package.sh` runs the hidden `generate-docs` command on the release build, naming
//! the vendor's installed command; clap_mangen writes the pages, clap_complete the completions.

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use super::args::Cli;
use super::exit;

/// What the header of every page names: the installed command and the vendor's product.
pub struct Docs<'a> {
    pub name: &'a str,
    pub product: &'a str,
    pub product_version: &'a str,
}

impl Docs<'_> {
    /// The command line as the installed command sees it: named after it, without clap's own
    /// `help` subcommand (its pages would only repeat `--help`).
    fn command(&self) -> clap::Command {
        // clap names take `&'static str` (without its "string" feature); this runs once per
        // process, so leaking one short name is fine.
        let name: &'static str = Box::leak(self.name.to_owned().into_boxed_str());
        let mut command = Cli::command()
            .name(name)
            .bin_name(self.name.to_owned())
            .disable_help_subcommand(true);
        command.build();
        command
    }

    fn man(&self, command: clap::Command) -> Man {
        Man::new(command)
            .source(format!("{} {}", self.product, self.product_version))
            .manual(self.product.to_owned())
    }

    /// Writes `man/man1/NAME.1`, one `NAME-COMMAND.1` per command, and
    /// `completions/{bash/NAME, zsh/_NAME, fish/NAME.fish}` under `out`.
    pub fn write(&self, out: &Path) -> io::Result<()> {
        let man_dir = out.join("man/man1");
        fs::create_dir_all(&man_dir)?;
        let command = self.command();
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            self.man(sub.clone()).generate_to(&man_dir)?;
        }
        let mut page = Vec::new();
        self.render_main_page(command.clone(), &mut page)?;
        fs::write(
            man_dir.join(format!("{}.1", self.name)),
            without_repeated_preamble(&page),
        )?;

        for (shell, file) in [
            (Shell::Bash, format!("bash/{}", self.name)),
            (Shell::Zsh, format!("zsh/_{}", self.name)),
            (Shell::Fish, format!("fish/{}.fish", self.name)),
        ] {
            let path = out.join("completions").join(file);
            fs::create_dir_all(path.parent().expect("a file in a folder"))?;
            let mut command = command.clone();
            clap_complete::generate(shell, &mut command, self.name, &mut File::create(path)?);
        }
        Ok(())
    }

    /// clap_mangen's sections, then what clap does not know: the exit codes (a contract, see
    /// README) and where the activation lives.
    fn render_main_page(&self, command: clap::Command, w: &mut dyn Write) -> io::Result<()> {
        let man = self.man(command);
        man.render_title(w)?;
        man.render_name_section(w)?;
        man.render_synopsis_section(w)?;
        man.render_description_section(w)?;
        man.render_options_section(w)?;
        man.render_subcommands_section(w)?;

        let mut roff = Roff::default();
        roff.control("SH", ["EXIT STATUS"]);
        for (code, meaning) in exit::TABLE {
            roff.control("TP", []);
            roff.text([bold(code.to_string())]);
            roff.text([roman(*meaning)]);
        }
        roff.control("SH", ["ENVIRONMENT"]);
        roff.control("TP", []);
        roff.text([bold(crate::startup::CONFIG_ENV)]);
        roff.text([roman(
            "Names a vendor config file (JSON) to use instead of the one built into this program.",
        )]);
        roff.control("SH", ["FILES"]);
        roff.text([roman(format!(
            "The activation lives in each user's home folder and system keychain (Secret Service), \
             never in the installed files: upgrading or removing the package keeps it. \
             To free this computer's seat, run {} deactivate before removing the package.",
            self.name
        ))]);
        roff.to_writer(w)
    }
}

/// Each of clap_mangen's `render_*` calls starts with the same two-line preamble (it defines the
/// apostrophe string); one copy at the top of the page is enough.
fn without_repeated_preamble(page: &[u8]) -> String {
    let page = String::from_utf8_lossy(page);
    let preamble = page.lines().take(2).map(|line| format!("{line}\n")).collect::<String>();
    let body = page[preamble.len()..].replace(&preamble, "");
    format!("{preamble}{body}")
}

/// Runs `generate-docs`: answers the exit code.
pub fn generate(docs: &Docs, out: &Path) -> i32 {
    match docs.write(out) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!(
                "error: cannot write the manual pages and completions to {}: {e}",
                out.display()
            );
            exit::ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_completions_are_named_after_the_installed_command() {
        let out = tempfile::tempdir().unwrap();
        let docs = Docs {
            name: "acme-licensing",
            product: "Acme Licensing",
            product_version: "2.1.0",
        };
        docs.write(out.path()).unwrap();
        let page = fs::read_to_string(out.path().join("man/man1/acme-licensing.1")).unwrap();
        assert!(page.contains("\n.TH acme-licensing 1 "), "{page}");
        assert_eq!(page.matches(".ds Aq").count(), 2, "one preamble: {page}");
        assert!(page.contains("Acme Licensing 2.1.0"), "{page}");
        assert!(page.contains("acme\\-licensing\\-deactivate(1)"), "{page}");
        assert!(!page.contains("generate"), "the hidden command stays hidden: {page}");
        let status = fs::read_to_string(out.path().join("man/man1/acme-licensing-status.1")).unwrap();
        assert!(status.contains("\\-\\-json"), "{status}");
        let bash = fs::read_to_string(out.path().join("completions/bash/acme-licensing")).unwrap();
        assert!(bash.contains("-o default acme-licensing"), "{bash}");
        assert!(out.path().join("completions/zsh/_acme-licensing").is_file());
        let fish = fs::read_to_string(out.path().join("completions/fish/acme-licensing.fish")).unwrap();
        assert!(
            fish.contains("complete -c acme-licensing") && fish.contains("deactivate"),
            "{fish}"
        );
    }
}
