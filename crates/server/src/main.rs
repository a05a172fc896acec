fn main() -> std::process::ExitCode {
    keyturn_server::cli::main()
}
