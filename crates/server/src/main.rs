//! The `linchpin` binary: every subcommand lives in the library so tests can drive it.

/// mimalloc instead of the system allocator: under load the server spends a tenth of its time in
/// glibc's malloc and free (per-request GraphQL documents, rows, JSON), which mimalloc's per-thread
/// heaps cut (docs/benchmarks.md, issue #12).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    linchpin::cli::main()
}
