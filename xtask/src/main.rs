//! `cargo xtask`: the project's checks, run the same way by developers and CI.
//!
//! `cargo xtask test` runs every step in order and stops at the first failure,
//! printing one summary line per step. `cargo xtask tidy` runs the tidy check alone;
//! `cargo xtask api` rewrites the public API snapshots in `api/`;
//! `cargo xtask bench` runs the benchmarks and writes `docs/benchmarks.md`;
//! `cargo xtask fuzz` runs the fuzz targets of `tests/fuzz` (`fuzz.rs`).

mod api;
mod bench;
mod callgrind;
mod e2e;
mod fuzz;
mod layers;
mod load;
mod package;
mod steps;
mod tidy;
mod tools;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map_or("help", String::as_str);
    let plan = match command {
        "test" | "ci" => steps::test_plan(),
        "tidy" => vec![steps::Step::tidy()],
        "api" => vec![steps::Step::api_update()],
        "bench" if args.get(1).is_some_and(|a| a == "shared-state") => {
            return load::shared_state_alone(&steps::workspace_root());
        }
        "bench" => return bench::run(&steps::workspace_root()),
        "fuzz" => return fuzz::run(&steps::workspace_root(), &args[1..]),
        _ => {
            steps::say(
                "usage: cargo xtask <command>\n\n  test   fmt, clippy, tests, docs, tidy, api, layers, package, fuzz, end-to-end (what CI runs)\n  tidy   the tidy check alone\n  api    rewrite the public API snapshots (api/<crate>.txt) from the sources\n  bench  the benchmarks, as ratios to their floor; writes docs/benchmarks.md\n  bench shared-state\n         the shared-state rounds and the mixed load alone, printed (docs/benchmarks.md untouched)\n  fuzz   the fuzz targets, 60 s each (`cargo xtask fuzz --help` for the options)",
            );
            return if command == "help" {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    steps::run(&plan)
}
