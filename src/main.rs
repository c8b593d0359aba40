//! The `policywatch` command line. Thin: parsing and dispatch live in
//! [`cli`], the engine in the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
