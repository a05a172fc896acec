// Writes what scripts/package.sh needs for one vendor into WORK (nothing tracked is edited):
//   tauri.vendor.json   the Tauri config merged over src-tauri/tauri.conf.json (version included)
//   package.env         NAME, VERSION, COMMAND, PRODUCT_FILE for the shell (safe characters only)
//   desktop.hbs, copyright, changelog, <identifier>.metainfo.xml, prerm, lintian-overrides
//   logo.png            the config's logo, when it is a PNG data URL
// Usage: node scripts/package-files.js VENDOR_JSON WORK [--binary NAME] [--version V]
// Checks the vendor config's fields for packaging (the app checks the rest when it starts).
// The package's names follow README "Installers for your product"; each rule is here once.
"use strict";
const fs = require("fs");
const path = require("path");

const [config, work, ...flags] = process.argv.slice(2);
const fail = (m) => { console.error(`package.sh: ${config}: ${m}`); process.exit(2); };
const flag = (name) => { const i = flags.indexOf(name); return i < 0 ? undefined : flags[i + 1]; };
const here = path.join(__dirname, "..");
const template = (file) => fs.readFileSync(path.join(here, "src-tauri/linux", file), "utf8");

let vendor;
try { vendor = JSON.parse(fs.readFileSync(config, "utf8")); } catch (e) { fail(`not JSON: ${e.message}`); }
for (const field of ["product_name", "product_id", "server_url", "public_key", "identifier"]) {
  if (typeof vendor[field] !== "string" || !vendor[field].trim()) fail(`"${field}" is required`);
}
if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(vendor.identifier)) fail(`"identifier" must be reverse DNS, e.g. com.acme.app`);
const pkg = vendor.package || {};
if (typeof pkg !== "object" || Array.isArray(pkg)) fail(`"package" must be an object`);
const product = vendor.product_name.trim();

// The package name: given, or the product name lowercased with every run of other characters
// than a-z and 0-9 turned into one "-" ("PixelForge Studio" -> "pixelforge-studio"). Only
// a-z, 0-9 and "-": valid for Debian and RPM, and unchanged by the bundler's kebab-casing.
// Accents are dropped first ("Über" -> "uber").
const derived = product.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
  .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
const name = pkg.name ?? derived;
if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(name)) {
  fail(pkg.name === undefined
    ? `the package name derived from "product_name" ("${name}") is not usable: set "package": {"name": ...} (a-z, 0-9, "-")`
    : `"package.name" must be 2+ characters of a-z, 0-9 and "-", starting and ending with a letter or digit`);
}
const command = flag("--binary") ?? pkg.command ?? name;
if (!/^[a-z0-9][a-z0-9._-]*$/.test(command)) fail(`the command (--binary or "package.command") must be a plain lowercase file name`);
// The version: the vendor's own (--version wins), never Keyturn's. No "-" (RPM forbids it, and
// without one the Debian package is native: its changelog is changelog.gz).
const version = flag("--version") ?? pkg.version;
if (typeof version !== "string" || !/^[0-9][A-Za-z0-9.+~]*$/.test(version)) {
  fail(`"package.version" (or --version) is required: e.g. "1.4.2" (digits first; letters, digits, . + ~)`);
}
const maintainer = pkg.maintainer;
const contact = /^([^<>,]+?)\s*<([^<>@\s]+@[^<>@\s]+\.[^<>@\s]+)>$/.exec(typeof maintainer === "string" ? maintainer.trim() : "");
if (!contact) fail(`"package.maintainer" is required: "Name <email@example.com>"`);
const homepage = pkg.homepage ?? vendor.support_url;
if (typeof homepage !== "string" || !/^https?:\/\/\S+$/.test(homepage)) {
  fail(`"package.homepage" (default: "support_url") is required: an http(s) URL`);
}
const license = pkg.license ?? "LicenseRef-Proprietary";
if (!/^[A-Za-z0-9.+-]+( (AND|OR|WITH) [A-Za-z0-9.+-]+)*$/.test(license)) fail(`"package.license" must be an SPDX expression, e.g. "MIT" or "LicenseRef-Acme-EULA"`);
// The copyright holder, by default this year and the maintainer's name (lintian wants a year).
const epoch = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now();
const holder = pkg.copyright ?? `${new Date(epoch).getUTCFullYear()} ${contact[1]}`;
const maintainerLine = `${contact[1]} <${contact[2]}>`;

// Shown by apt and dnf: lines of at most 79 characters (lintian, rpmlint).
const description = wrap(`Activates and manages the ${product} license on this computer, in a window or from the command line (${command} status, activate, deactivate). The activation lives in each user's home folder and keychain, so upgrading or removing this package keeps it.`);
const write = (file, text, mode = 0o644) => fs.writeFileSync(path.join(work, file), text, { mode });
const fill = (text) => text.replace(/@(NAME|COMMAND|PRODUCT|VERSION|IDENTIFIER)@/g, (_, key) => (
  { NAME: name, COMMAND: command, PRODUCT: product, VERSION: version, IDENTIFIER: vendor.identifier }[key]));

const logo = /^data:image\/png;base64,(.+)$/.exec(vendor.logo || "");
if (logo) write("logo.png", Buffer.from(logo[1], "base64"));

// The desktop entry names the product as people know it; the bundler names the file after
// productName (= the package name) and fills in the command, icon and link scheme.
write("desktop.hbs", template("keyturn.desktop").replace("{{name}}", product.replace(/[\n\r{}]/g, "")));

// Debian's machine-readable copyright (also shipped in the .rpm). Keyturn itself is MIT.
const mitText = template("mit-license.txt");
const indent = (text) => text.trim().split("\n").map((l) => (l.trim() ? ` ${l}` : " .")).join("\n");
write("copyright", [
  "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
  `Upstream-Name: ${product}`,
  `Upstream-Contact: ${maintainerLine}`,
  `Source: ${homepage}`,
  "",
  "Files: *",
  `Copyright: ${holder}`,
  `License: ${license}`,
  ...(license === "MIT" ? [] : [` The license terms are published at ${homepage}.`]),
  "",
  "Files: usr/bin/*",
  `Copyright: ${holder}`,
  "           The Keyturn developers",
  `License: ${license === "MIT" ? "MIT" : `${license} AND MIT`}`,
  `Comment: ${product} is built on Keyturn, whose code is under the MIT license.`,
  "",
  "License: MIT",
  indent(mitText),
  "",
].join("\n"));

// One changelog entry in Debian's format (a native package: changelog.gz).
const date = new Date(epoch).toUTCString().replace("GMT", "+0000");
write("changelog", `${name} (${version}) stable; urgency=medium\n\n  * ${product} ${version}.\n\n -- ${maintainerLine}  ${date}\n`);

write(`${vendor.identifier}.metainfo.xml`, fill(template("metainfo.xml"))
  .replace("@SUMMARY@", `License manager for ${escapeXml(product)}`)
  .replace("@LICENSE@", license)
  .replace("@DEVELOPER@", escapeXml(holder.replace(/^[0-9, -]+/, "")))
  .replace("@HOMEPAGE@", escapeXml(homepage))
  .replace(/@PRODUCT_XML@/g, escapeXml(product)));
write("prerm", fill(template("prerm.sh")), 0o755);
write("lintian-overrides", fill(template("lintian-overrides")));

const base = JSON.parse(fs.readFileSync(path.join(here, "src-tauri/tauri.conf.json"), "utf8"));
const icons = ["32x32.png", "128x128.png", "128x128@2x.png", "icon.png"].map((f) => `${work}/icons/${f}`);
const at = (file) => `${work}/${file}`;
const files = {
  [`/usr/share/doc/${name}/copyright`]: at("copyright"),
  [`/usr/share/metainfo/${vendor.identifier}.metainfo.xml`]: at(`${vendor.identifier}.metainfo.xml`),
  [`/usr/share/man/man1`]: at("docs/man/man1"),
  [`/usr/share/bash-completion/completions/${command}`]: at(`docs/completions/bash/${command}`),
  [`/usr/share/fish/vendor_completions.d/${command}.fish`]: at(`docs/completions/fish/${command}.fish`),
};
const linux = {
  deb: {
    desktopTemplate: at("desktop.hbs"),
    section: "utils",
    changelog: at("changelog"),
    preRemoveScript: at("prerm"),
    // A Secret Service provider keeps the activation: GNOME's, KeePassXC's or KDE's (kwalletd5).
    recommends: ["gnome-keyring | keepassxc | libkf5wallet-bin"],
    files: {
      ...files,
      [`/usr/share/zsh/vendor-completions/_${command}`]: at(`docs/completions/zsh/_${command}`),
      [`/usr/share/lintian/overrides/${name}`]: at("lintian-overrides"),
    },
  },
};
write("tauri.vendor.json", JSON.stringify({
  // The bundler names the package, its doc folder and desktop file after productName.
  productName: name,
  version,
  mainBinaryName: command,
  identifier: vendor.identifier,
  app: { windows: base.app.windows.map((w) => ({ ...w, title: product })) },
  bundle: {
    active: true,
    targets: ["deb"],
    icon: icons,
    publisher: maintainerLine,
    homepage,
    license,
    copyright: holder,
    shortDescription: `License manager for ${product}`,
    longDescription: description,
    category: "Utility",
    linux,
  },
  // The .desktop entry registers the vendor's activation-link scheme (x-scheme-handler) and
  // passes the link to the app (Exec ... %u, src-tauri/linux/keyturn.desktop).
  plugins: { "deep-link": { desktop: { schemes: [vendor.link_scheme || "keyturn"] } } },
}, null, 2));
// The .rpm (rpmbuild, from the .deb's files; package.sh appends %files): %changelog, Packager
// and Group, which the Tauri bundler's RPM writer cannot set; Requires computed by rpmbuild.
const rpmDate = new Date(epoch).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) .*$/, "$1 $3 $2 $4");
write("rpm.spec", [
  "%define _build_id_links none",
  "%define debug_package %{nil}",
  // The binary is stripped (release profile) and the man pages compressed (gzip -9n) already.
  "%define __os_install_post %{nil}",
  `Name: ${name}`,
  `Version: ${version}`,
  "Release: 1",
  `Summary: License manager for ${product}`,
  `License: ${license}`,
  `URL: ${homepage}`,
  `Packager: ${maintainerLine}`,
  `Vendor: ${holder.replace(/^[0-9, -]+/, "")}`,
  "Group: Applications/System",
  // A Secret Service provider keeps the activation (Fedora's and openSUSE's name).
  "Recommends: gnome-keyring",
  "",
  "%description",
  description,
  "",
  "%install",
  "cp -a %{tree}/. %{buildroot}/",
  "",
  "%preun",
  fill(template("prerm.sh")).replace(/^#!.*\n/, ""),
  "%changelog",
  `* ${rpmDate} ${maintainerLine} - ${version}-1`,
  `- ${product} ${version}.`,
  "",
].join("\n"));
write("product", product);
write("package.env", `NAME=${name}\nVERSION=${version}\nCOMMAND=${command}\n`);

function wrap(text, width = 79) {
  const lines = [""];
  for (const word of text.split(/\s+/)) {
    const last = lines.length - 1;
    if (lines[last] && lines[last].length + 1 + word.length > width) lines.push(word);
    else lines[last] = lines[last] ? `${lines[last]} ${word}` : word;
  }
  return lines.join("\n");
}

function escapeXml(text) {
  return text.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);
}
