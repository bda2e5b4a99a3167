"""`pcf`: the one command-line entry point of the pipeline (SPEC §2)."""

from __future__ import annotations

import shutil
from datetime import date
import sys
from pathlib import Path

import click
from rich.console import Console

from orchestration.home import DEMO_LANDING, Home, default_home, today_in_pilot

EXIT_OK, EXIT_ERROR, EXIT_BLOCKED = 0, 1, 2
# The demo tells a story over two nights: companies report while only the first factor release is
# out, then the province revises its factors and today's release restates their footprints.
DEMO_FIRST_NIGHT = date(2026, 7, 31)
console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)


def _home(home: str | None) -> Home:
    return Home(Path(home).resolve() if home else default_home()).ensure()


def copy_demo(home: Home) -> int:
    """Copy the bundled demo inputs into landing/; files already there with the same bytes are kept."""
    copied = 0
    for source in sorted(DEMO_LANDING.rglob("*")):
        if not source.is_file():
            continue
        target = home.landing / source.relative_to(DEMO_LANDING)
        if target.exists():
            if target.read_bytes() != source.read_bytes():
                raise click.ClickException(f"{target} exists with other content; use an empty home for --demo")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied += 1
    return copied


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Shandong product carbon footprint pilot: ingest, compute, validate and publish footprints."""


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help="PCF_HOME (default $PCF_HOME or ./warehouse).")
@click.option("--demo", is_flag=True, help="First copy the bundled demo inputs into landing/.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date the release reflects (default today, Asia/Shanghai).")
@click.option("--gwp-set", type=click.Choice(["AR6", "AR5"]), default=None, help="GWP100 set (default AR6).")
@click.option("--approve-drift", is_flag=True, help="Publish even though the drift gate found large changes.")
@click.option("--fast", is_flag=True, help="Run fast_job (only the published datasets' checks), as CI does.")
def run(home: str | None, demo: bool, as_of, gwp_set: str | None, approve_drift: bool, fast: bool) -> None:
    """Run the nightly job in-process. Exit 0 published or unchanged, 2 blocked by validation, 1 error."""
    from orchestration.runner import FAST_JOB, NIGHTLY_JOB, run_nightly

    pcf_home = _home(home)
    run_date = as_of.date() if as_of else today_in_pilot()
    job_name = FAST_JOB if fast else NIGHTLY_JOB
    if demo:
        copied = copy_demo(pcf_home)
        console.print(f"demo: {copied} input files copied into {pcf_home.landing}")
        if not (pcf_home.publish / "LATEST").exists() and run_date > DEMO_FIRST_NIGHT:
            console.print(f"demo: first the night of {DEMO_FIRST_NIGHT}, when only the first factor release was out")
            first = run_nightly(pcf_home, as_of=DEMO_FIRST_NIGHT, gwp_set=gwp_set, console=console, job_name=job_name)
            if first.exit_code != EXIT_OK:
                sys.exit(first.exit_code)
    outcome = run_nightly(
        pcf_home,
        as_of=run_date,
        gwp_set=gwp_set,
        approve_drift=approve_drift,
        console=console,
        job_name=job_name,
    )
    sys.exit(outcome.exit_code)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--home", type=click.Path(file_okay=False), help="Check factor references against this home's warehouse.")
def check(file: Path, home: str | None) -> None:
    """Validate one submission file offline; exit 0 if it would be accepted whole, 1 otherwise."""
    from orchestration.check import check_file
    from orchestration.feedback import render_markdown

    home_path = Path(home).resolve() if home else default_home()
    report = check_file(file, home_path if home_path.exists() else None)
    console.print(render_markdown(report), markup=False)
    sys.exit(EXIT_OK if report["status"] == "accepted" else EXIT_ERROR)


@main.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("pcf_submission_template.xlsx"), show_default=True)
def template(out: Path) -> None:
    """Write the blank XLSX submission template (bilingual headers, drop-down lists, instructions)."""
    from orchestration.template import write_template

    write_template(out)
    console.print(f"template written to {out}")


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help="PCF_HOME (default $PCF_HOME or ./warehouse).")
@click.option("--port", type=int, default=8000, show_default=True)
def serve(home: str | None, port: int) -> None:
    """Serve publish/ on localhost for browsing the portal."""
    import functools
    import http.server

    root = _home(home).publish
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        console.print(f"serving {root} at http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


@main.command()
@click.option("--home", type=click.Path(file_okay=False), help="PCF_HOME (default $PCF_HOME or ./warehouse).")
def status(home: str | None) -> None:
    """Releases, the last run and its outcome, and counts received / accepted / quarantined."""
    from orchestration.status import print_status

    print_status(_home(home), console)


@main.command()
@click.argument("product")
@click.option("--home", type=click.Path(file_okay=False), help="PCF_HOME (default $PCF_HOME or ./warehouse).")
def explain(product: str, home: str | None) -> None:
    """How a product's footprint was computed: PRODUCT is <uscc>/<product_code>."""
    from orchestration.status import print_explanation

    if not print_explanation(_home(home), product, console):
        sys.exit(EXIT_ERROR)


@main.command("explain-shipment")
@click.argument("shipment_id")
@click.option("--home", type=click.Path(file_okay=False), help="PCF_HOME (default $PCF_HOME or ./warehouse).")
def explain_shipment(shipment_id: str, home: str | None) -> None:
    """A container shipment's transport-chain elements with their WTW and TTW kgCO2e."""
    from orchestration.shipments_explain import print_shipment

    if not print_shipment(_home(home), shipment_id, console):
        sys.exit(EXIT_ERROR)


@main.command()
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write landing/ into.")
@click.option("--companies", required=True, type=click.IntRange(min=1), help="Companies: one submission file each.")
@click.option("--products", required=True, type=click.IntRange(min=1, max=999), help="Products per company.")
@click.option("--lines", required=True, type=click.IntRange(min=2), help="Activity lines per product.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same files, byte for byte.")
def generate(out: Path, companies: int, products: int, lines: int, seed: int) -> None:
    """Write deterministic synthetic inputs (a factor release and one file per company) into OUT/landing/."""
    import json

    from orchestration.generate import generate as generate_inputs

    summary = generate_inputs(out, companies, products, lines, seed=seed)
    console.print(
        f"{summary.lines:,} activity lines ({summary.bad_rows} bad, in {summary.bad_products} products) "
        f"in {summary.files:,} files ({summary.gb18030_files} GB18030), {summary.factors} factors, "
        f"{summary.bytes_written / 1e6:,.1f} MB in {summary.seconds:.1f} s → {out / 'landing'}"
    )
    print(json.dumps(summary.as_dict(), ensure_ascii=False))


@main.command()
@click.option("--lines", type=click.IntRange(min=500), default=1_000_000, show_default=True, help="Activity lines (500 a file).")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), help="Keep the generated home here (default: a temporary folder, removed).")
@click.option("--no-incremental", is_flag=True, help="Skip the no-input night and the one-new-submission night.")
@click.option("--profile", is_flag=True, help="Run the full night under cProfile and show the top functions (slower).")
def bench(lines: int, workdir: Path | None, no_incremental: bool, profile: bool) -> None:
    """SPEC §8 benchmark: generate, run the pipeline, run the one-query floor, compare; JSON last line."""
    from orchestration.bench import run_bench

    result = run_bench(lines, workdir, incremental=not no_incremental, console=console, profile=profile)
    sys.exit(EXIT_OK if result["agree"] and result["pipeline_exit_code"] == EXIT_OK else EXIT_ERROR)


if __name__ == "__main__":
    main()
