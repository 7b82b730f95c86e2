//! The `linchpin` binary: every subcommand lives in the library so tests can drive it.
fn main() -> std::process::ExitCode {
    linchpin::cli::main()
}
