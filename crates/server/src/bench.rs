//! `keyturn-server bench` (filled in below).

#[derive(Debug, Clone, clap::Args)]
pub struct BenchOptions {
    /// A short run (for CI).
    #[arg(long)]
    pub short: bool,
}

pub async fn run(_opts: BenchOptions) -> Result<(), String> {
    Err("not yet".into())
}
