//! The `liqmap` binary: the command line over the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    liqmap::cli::main()
}
