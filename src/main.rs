//! The `liqmap` binary: the command line over the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Warnings and errors of the library's log records by default; RUST_LOG chooses others.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    liqmap::cli::main()
}
