//! `cargo xtask bench`: generate dbt projects of a given size, then time trellis, dbt-core and
//! dbt Core v2's parser on them and print a markdown table (also written to `target/bench/results.md`).
//!
//! Options: `--sizes 1000,10000` (models per project), `--runs N` (runs per measurement, median
//! reported), `--skip-dbt` (time trellis only), `--keep` (leave the generated projects on disk).
//! `dbt compile` is timed on projects of up to 1,000 models only: it takes minutes beyond that.
//!
//! The generated projects are deterministic: the same size always gives the same files.

use crate::{cargo, root, run as run_cmd};
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    skip_dbt: bool,
    keep: bool,
}

fn parse_args(args: &[String]) -> Result<Options> {
    let mut o = Options {
        sizes: vec![1_000, 10_000],
        runs: 3,
        skip_dbt: false,
        keep: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--sizes" => {
                o.sizes = value()?
                    .split(',')
                    .map(|s| {
                        s.trim()
                            .replace('_', "")
                            .parse::<usize>()
                            .with_context(|| format!("bad size {s:?}"))
                    })
                    .collect::<Result<_>>()?;
            }
            "--runs" => o.runs = value()?.parse().context("--runs takes a number")?,
            "--skip-dbt" => o.skip_dbt = true,
            "--keep" => o.keep = true,
            _ => bail!(
                "usage: cargo xtask bench [--sizes 1000,10000] [--runs N] [--skip-dbt] [--keep]"
            ),
        }
    }
    if o.runs == 0 || o.sizes.contains(&0) {
        bail!("--runs and every size must be at least 1");
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<()> {
    let opts = parse_args(args)?;
    let started = Instant::now();
    let load_before = load_average();
    let r = root();

    run_cmd(
        cargo()
            .current_dir(&r)
            .args(["build", "--release", "--quiet", "-p", "trellis-cli"]),
    )?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(|d| r.join(d))
        .unwrap_or_else(|| r.join("target"));
    let trellis = target_dir.join("release").join("trellis");

    let (dbt, dbt_version) = if opts.skip_dbt {
        (Err("skipped".into()), None)
    } else {
        find_dbt()
    };
    let fusion = if opts.skip_dbt {
        Err("skipped".into())
    } else {
        find_fusion()
    };

    let tmp = TempDir::new()?;
    let mut rows = Vec::new();
    for &size in &opts.sizes {
        let project = tmp.path().join(format!("bench_{size}"));
        let t = Instant::now();
        let files = generate(&project, size)?;
        eprintln!(
            "generated {size} models ({files} files) in {:.1} s: {}",
            t.elapsed().as_secs_f64(),
            project.display()
        );

        let mut measure = |tool: &'static str,
                           command: &'static str,
                           program: &Result<PathBuf, String>,
                           args: Vec<String>| {
            let result = match program {
                Ok(p) => {
                    let mut cmd = Command::new(p);
                    cmd.args(&args);
                    time_runs(
                        cmd,
                        &project,
                        &tmp.path().join("out"),
                        opts.runs,
                        &format!("{tool} {command} ({size})"),
                    )
                }
                Err(why) => Err(why.clone()),
            };
            rows.push(Row {
                size,
                tool,
                command,
                result,
            });
        };
        let p = project.display().to_string();
        let out = tmp.path().join("out").display().to_string();
        let common = |cmd: &str| -> Vec<String> {
            [
                cmd,
                "--project-dir",
                &p,
                "--profiles-dir",
                &p,
                "--target-path",
                &out,
            ]
            .map(String::from)
            .to_vec()
        };
        let trellis = Ok(trellis.clone());
        measure("trellis", "parse", &trellis, common("parse"));
        measure("trellis", "compile", &trellis, common("compile"));
        if !opts.skip_dbt {
            let dbt_args = |cmd: &str| {
                [
                    common(cmd),
                    ["--no-partial-parse", "--log-path", &out]
                        .map(String::from)
                        .to_vec(),
                ]
                .concat()
            };
            measure("dbt-core", "parse", &dbt, dbt_args("parse"));
            if size <= 1_000 {
                measure("dbt-core", "compile", &dbt, dbt_args("compile"));
            }
            measure("dbt Core v2 parser", "parse", &fusion, common("parse"));
        }
    }
    if opts.keep {
        eprintln!("kept the generated projects in {}", tmp.keep().display());
    }

    let mut tools = vec![format!("trellis {} (release build)", git_describe(&r))];
    tools.extend(dbt_version);
    if fusion.is_ok() {
        tools.push(format!("{FUSION_PACKAGE} {FUSION_VERSION}"));
    }
    let setting = Setting {
        runs: opts.runs,
        tools,
        load: (load_before, load_average()),
    };
    let table = render(&rows, &setting);
    println!("{table}");
    let results = r.join("target/bench/results.md");
    std::fs::create_dir_all(results.parent().unwrap())?;
    std::fs::write(&results, &table)?;
    eprintln!(
        "wrote {} (bench took {:.0} s)",
        results.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The tools

/// `dbt` on PATH, resolved through a pyenv shim so its start-up is not counted, and its version.
fn find_dbt() -> (Result<PathBuf, String>, Option<String>) {
    let Some(mut dbt) = which("dbt") else {
        return (Err("unavailable: `dbt` is not on PATH".into()), None);
    };
    if dbt.to_string_lossy().contains("/shims/") {
        if let Ok(o) = Command::new("pyenv").args(["which", "dbt"]).output() {
            let real = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if o.status.success() && !real.is_empty() {
                dbt = PathBuf::from(real);
            }
        }
    }
    let version = Command::new(&dbt)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            let core = text.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("- installed:")
                    .map(|v| v.trim().to_string())
            })?;
            let duckdb = text.lines().find_map(|l| {
                l.trim()
                    .strip_prefix("- duckdb:")
                    .map(|v| v.split(" - ").next().unwrap_or(v).trim().to_string())
            });
            Some(match duckdb {
                Some(d) => format!("dbt-core {core}, dbt-duckdb {d}"),
                None => format!("dbt-core {core}"),
            })
        });
    (Ok(dbt), version)
}

const FUSION_PACKAGE: &str = "dbt-core-experimental-parser";
const FUSION_VERSION: &str = "2.0.0a4";

/// dbt Core v2's standalone parser from its PyPI wheel, downloaded once into
/// `$HOME/.cache/trellis/`.
fn find_fusion() -> Result<PathBuf, String> {
    let home = std::env::var_os("HOME").ok_or("unavailable: HOME is not set")?;
    let cache = Path::new(&home)
        .join(".cache/trellis")
        .join(format!("{FUSION_PACKAGE}-{FUSION_VERSION}"));
    let extracted = cache.join("extracted");
    let binary = extracted
        .join(format!(
            "{}-{FUSION_VERSION}.data",
            FUSION_PACKAGE.replace('-', "_")
        ))
        .join("scripts")
        .join(FUSION_PACKAGE);
    if binary.exists() {
        return Ok(binary);
    }
    let fail = |what: &str, o: std::io::Result<std::process::Output>| -> Result<(), String> {
        match o {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "unavailable: {what} failed: {}",
                last_line(&String::from_utf8_lossy(&o.stderr))
            )),
            Err(e) => Err(format!("unavailable: {what} failed: {e}")),
        }
    };
    eprintln!(
        "downloading {FUSION_PACKAGE}=={FUSION_VERSION} into {}",
        cache.display()
    );
    let spec = format!("{FUSION_PACKAGE}=={FUSION_VERSION}");
    fail(
        "pip download",
        Command::new("python3")
            .args(["-m", "pip", "download", "--quiet", "--no-deps", &spec, "-d"])
            .arg(&cache)
            .output(),
    )?;
    let wheel = std::fs::read_dir(&cache)
        .map_err(|e| format!("unavailable: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or("unavailable: pip downloaded no wheel")?;
    fail(
        "unzipping the wheel",
        Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(&wheel)
            .arg(&extracted)
            .output(),
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| format!("unavailable: {e}"))?;
    }
    Ok(binary)
}

/// The checked-out commit, marked when the work tree has changes.
fn git_describe(root: &Path) -> String {
    Command::new("git")
        .current_dir(root)
        .args(["describe", "--always", "--dirty=+changes"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Measuring

struct Sample {
    seconds: f64,
    /// User plus system CPU time: steadier than wall time on a busy machine.
    cpu_seconds: f64,
    /// Peak resident set size in KiB, when the platform reports it.
    peak_kib: Option<u64>,
}

struct Row {
    size: usize,
    tool: &'static str,
    command: &'static str,
    /// Median seconds and the highest peak RSS over the runs, or why there is no number.
    result: Result<Sample, String>,
}

/// Runs `cmd` `runs` times in `project` (with a fresh `out` directory each time) and returns
/// the median wall time and the largest peak RSS; a failing run makes the whole row a failure.
fn time_runs(
    mut cmd: Command,
    project: &Path,
    out: &Path,
    runs: usize,
    label: &str,
) -> Result<Sample, String> {
    cmd.current_dir(project)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DO_NOT_TRACK", "1")
        .stdin(Stdio::null());
    let mut samples = Vec::new();
    // Earlier runs' outputs are moved aside and deleted once the row is done:
    // deleting 40,000 files just before a run put the file system's work of
    // freeing them (ext4 with `discard`) into that run's time.
    let aside = |i: usize| out.with_extension(format!("old{i}"));
    for i in 0..runs {
        if out.exists() {
            std::fs::rename(out, aside(i)).map_err(|e| e.to_string())?;
        }
        std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
        settle();
        let log_path = out.with_extension("log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        cmd.stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        let (status, sample) =
            spawn_timed(&mut cmd).map_err(|e| format!("failed to start: {e}"))?;
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if !status.success() {
            let reason = log
                .lines()
                .find(|l| l.contains("rror"))
                .map(str::trim)
                .map(String::from)
                .unwrap_or_else(|| last_line(&log));
            eprintln!("{label}: run {} failed ({status}):\n{log}", i + 1);
            return Err(format!("failed ({status}): {}", reason.replace('|', "\\|")));
        }
        eprintln!(
            "{label}: run {} took {:.2} s ({:.2} s CPU), peak {} MiB",
            i + 1,
            sample.seconds,
            sample.cpu_seconds,
            mib(sample.peak_kib)
        );
        samples.push(sample);
    }
    let _ = std::fs::remove_dir_all(out);
    for i in 0..runs {
        let _ = std::fs::remove_dir_all(aside(i));
    }
    settle();
    let peak_kib = samples.iter().filter_map(|s| s.peak_kib).max();
    Ok(Sample {
        seconds: median(samples.iter().map(|s| s.seconds)),
        cpu_seconds: median(samples.iter().map(|s| s.cpu_seconds)),
        peak_kib,
    })
}

/// Flushes what earlier runs wrote, so that its writeback is not timed with
/// the next run.
fn settle() {
    let _ = Command::new("sync").status();
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Spawns `cmd` and waits for it with `wait4`, which reports the child's peak RSS
/// (the largest of the process and the descendants it waited for).
#[cfg(target_os = "linux")]
fn spawn_timed(cmd: &mut Command) -> std::io::Result<(ExitStatus, Sample)> {
    use std::os::raw::{c_int, c_long};
    use std::os::unix::process::ExitStatusExt;
    #[repr(C)]
    struct Timeval {
        sec: c_long,
        usec: c_long,
    }
    #[repr(C)]
    struct Rusage {
        utime: Timeval,
        stime: Timeval,
        maxrss: c_long,
        rest: [c_long; 13],
    }
    extern "C" {
        fn wait4(pid: c_int, status: *mut c_int, options: c_int, rusage: *mut Rusage) -> c_int;
    }
    let started = Instant::now();
    // The child is reaped here by wait4; std's `Child` does not wait on drop.
    let child = cmd.spawn()?;
    let mut status: c_int = 0;
    let mut usage = Rusage {
        utime: Timeval { sec: 0, usec: 0 },
        stime: Timeval { sec: 0, usec: 0 },
        maxrss: 0,
        rest: [0; 13],
    };
    loop {
        // SAFETY: plain FFI call with pointers to live, correctly laid out locals.
        let rc = unsafe { wait4(child.id() as c_int, &mut status, 0, &mut usage) };
        if rc >= 0 {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = |t: &Timeval| t.sec as f64 + t.usec as f64 / 1e6;
    let cpu_seconds = cpu(&usage.utime) + cpu(&usage.stime);
    Ok((
        ExitStatus::from_raw(status),
        Sample {
            seconds,
            cpu_seconds,
            peak_kib: Some(usage.maxrss as u64),
        },
    ))
}

#[cfg(not(target_os = "linux"))]
fn spawn_timed(cmd: &mut Command) -> std::io::Result<(ExitStatus, Sample)> {
    let started = Instant::now();
    let status = cmd.status()?;
    Ok((
        status,
        Sample {
            seconds: started.elapsed().as_secs_f64(),
            cpu_seconds: f64::NAN,
            peak_kib: None,
        },
    ))
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.0}", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

/// What the table's heading says about the run.
struct Setting {
    runs: usize,
    /// Tool names and versions, as found.
    tools: Vec<String>,
    /// One-minute load average before and after the bench.
    load: (String, String),
}

fn render(rows: &[Row], setting: &Setting) -> String {
    let mut s = String::new();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|c| {
        c.lines().find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
    });
    let _ = writeln!(
        s,
        "Machine: {cores} cores{}; load average {} before, {} after.",
        cpu.map(|c| format!(" ({c})")).unwrap_or_default(),
        setting.load.0,
        setting.load.1
    );
    let _ = writeln!(s, "Tools: {}.", setting.tools.join(", "));
    let _ = writeln!(
        s,
        "Median of {} run(s); peak RSS is the largest over the runs.\n",
        setting.runs
    );
    let _ = writeln!(s, "| models | tool | command | wall s (median) | CPU s (median) | peak RSS MiB | wall time ÷ trellis |");
    let _ = writeln!(s, "|---:|---|---|---:|---:|---:|---:|");
    for row in rows {
        let base = rows
            .iter()
            .find(|b| b.size == row.size && b.tool == "trellis" && b.command == row.command)
            .and_then(|b| b.result.as_ref().ok());
        let cells = match &row.result {
            Ok(sample) => {
                let ratio = match base {
                    _ if row.tool == "trellis" => "1".to_string(),
                    Some(b) if b.seconds > 0.0 => format!("{:.1}", sample.seconds / b.seconds),
                    _ => "n/a".into(),
                };
                format!(
                    "{:.2} | {:.2} | {} | {ratio}",
                    sample.seconds,
                    sample.cpu_seconds,
                    mib(sample.peak_kib)
                )
            }
            Err(why) => format!("{why} | | | "),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {cells} |",
            thousands(row.size),
            row.tool,
            row.command
        );
    }
    s
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(String::from))
        .unwrap_or_else(|| "n/a".into())
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A directory under the system temp dir, removed on drop unless kept.
struct TempDir(Option<PathBuf>);

impl TempDir {
    fn new() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_nanos();
        let path =
            std::env::temp_dir().join(format!("trellis-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(TempDir(Some(path)))
    }
    fn path(&self) -> &Path {
        self.0.as_deref().expect("temp dir")
    }
    fn keep(mut self) -> PathBuf {
        self.0.take().expect("temp dir")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The generator
//
// Models come in domains of 50: 20 staging models (18 from the domain's source, 2 from seeds),
// 18 intermediate models over staging and earlier intermediate models (4 of them ephemeral),
// and 12 marts over intermediate and staging models, earlier marts of the domain and one mart
// of the previous domain (3 of them incremental). Every layer of every domain has a properties
// file with descriptions and column tests; every domain has a sources file.

const PER_DOMAIN: usize = 50;
const STAGING: usize = 20;
const INTERMEDIATE: usize = 18;
const DOMAINS: [&str; 10] = [
    "sales",
    "billing",
    "crm",
    "marketing",
    "support",
    "inventory",
    "logistics",
    "finance",
    "people",
    "product",
];
const ENTITIES: [(&str, &str); 20] = [
    ("accounts", "account"),
    ("orders", "order"),
    ("customers", "customer"),
    ("payments", "payment"),
    ("invoices", "invoice"),
    ("products", "product"),
    ("events", "event"),
    ("sessions", "session"),
    ("tickets", "ticket"),
    ("shipments", "shipment"),
    ("refunds", "refund"),
    ("subscriptions", "subscription"),
    ("contacts", "contact"),
    ("campaigns", "campaign"),
    ("leads", "lead"),
    ("line_items", "line_item"),
    ("addresses", "address"),
    ("employees", "employee"),
    ("vendors", "vendor"),
    ("transfers", "transfer"),
];
const SEEDS: [&str; 5] = [
    "raw_countries",
    "raw_currencies",
    "raw_channels",
    "raw_regions",
    "raw_plans",
];
const SUFFIXES: [&str; 6] = [
    "enriched",
    "joined",
    "deduplicated",
    "summarised",
    "pivoted",
    "scored",
];
const STATUSES: [&str; 4] = ["placed", "shipped", "completed", "returned"];

/// splitmix64: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Layer {
    Staging,
    Intermediate,
    Mart,
}

struct Model {
    name: String,
    layer: Layer,
    /// The primary key column.
    key: String,
    ephemeral: bool,
    incremental: bool,
}

fn domain_name(d: usize) -> String {
    format!("{}{}", DOMAINS[d % DOMAINS.len()], d / DOMAINS.len())
}

/// The model at position `p` (0..50) of domain `d`, without its SQL.
fn model_at(d: usize, p: usize) -> Model {
    let dom = domain_name(d);
    if p < STAGING {
        let (plural, singular) = ENTITIES[p];
        Model {
            name: format!("stg_{dom}__{plural}"),
            layer: Layer::Staging,
            key: format!("{singular}_id"),
            ephemeral: false,
            incremental: false,
        }
    } else if p < STAGING + INTERMEDIATE {
        let q = p - STAGING;
        let (plural, singular) = ENTITIES[q + 1];
        Model {
            name: format!("int_{dom}__{plural}_{}", SUFFIXES[q % SUFFIXES.len()]),
            layer: Layer::Intermediate,
            key: format!("{singular}_id"),
            ephemeral: q % 5 == 2,
            incremental: false,
        }
    } else {
        let r = p - STAGING - INTERMEDIATE;
        let (plural, singular) = ENTITIES[r + 1];
        let kind = if r % 3 == 0 { "dim" } else { "fct" };
        Model {
            name: format!("{kind}_{dom}__{plural}"),
            layer: Layer::Mart,
            key: format!("{singular}_id"),
            ephemeral: false,
            incremental: r % 4 == 3,
        }
    }
}

/// Writes a project of `models` models into `dir` and returns how many files it wrote.
pub(crate) fn generate(dir: &Path, models: usize) -> Result<usize> {
    let mut files = Files {
        root: dir.to_path_buf(),
        count: 0,
    };
    let mut rng = Rng(models as u64);
    files.write("dbt_project.yml", DBT_PROJECT)?;
    files.write("profiles.yml", PROFILES)?;
    files.write("macros/amounts.sql", MACRO_AMOUNTS)?;
    files.write("macros/keys.sql", MACRO_KEYS)?;
    files.write("macros/labels.sql", MACRO_LABELS)?;
    files.write("macros/_macros.yml", MACROS_YML)?;
    files.write("models/docs.md", DOCS)?;
    for seed in SEEDS {
        let mut csv = String::from("id,account_id,status,amount_cents,created_at,updated_at\n");
        for i in 1..=20 {
            let _ = writeln!(
                csv,
                "{i},{},{},{},2024-01-{i:02},2024-02-{i:02}",
                1 + rng.below(9),
                STATUSES[rng.below(4)],
                100 * (1 + rng.below(500))
            );
        }
        files.write(&format!("seeds/{seed}.csv"), &csv)?;
    }
    files.write("seeds/_seeds.yml", &seeds_yml())?;

    let domains = models.div_ceil(PER_DOMAIN);
    for d in 0..domains {
        let dom = domain_name(d);
        let n = (models - d * PER_DOMAIN).min(PER_DOMAIN);
        let mut yml = [String::new(), String::new(), String::new()];
        for y in &mut yml {
            y.push_str("version: 2\n\nmodels:\n");
        }
        for p in 0..n {
            let m = model_at(d, p);
            let (sql, layer_dir, props) = match m.layer {
                Layer::Staging => (staging_sql(d, p, &m), "staging", &mut yml[0]),
                Layer::Intermediate => (
                    intermediate_sql(d, p, &m, &mut rng),
                    "intermediate",
                    &mut yml[1],
                ),
                Layer::Mart => (mart_sql(d, p, &m, &mut rng), "marts", &mut yml[2]),
            };
            files.write(&format!("models/{layer_dir}/{dom}/{}.sql", m.name), &sql)?;
            model_yml(props, d, p, &m);
        }
        files.write(
            &format!("models/staging/{dom}/_{dom}__sources.yml"),
            &sources_yml(d),
        )?;
        for (y, layer_dir) in yml.iter().zip(["staging", "intermediate", "marts"]) {
            if y.lines().count() > 3 {
                files.write(
                    &format!("models/{layer_dir}/{dom}/_{dom}__{layer_dir}.yml"),
                    y,
                )?;
            }
        }
        if n > STAGING + INTERMEDIATE {
            let mart = model_at(d, STAGING + INTERMEDIATE);
            files.write(
                &format!("tests/assert_{dom}_amounts_not_negative.sql"),
                &format!("-- Marts never report a negative total.\nselect *\nfrom {{{{ ref('{}') }}}}\nwhere total_amount < 0\n", mart.name),
            )?;
        }
    }
    Ok(files.count)
}

struct Files {
    root: PathBuf,
    count: usize,
}

impl Files {
    fn write(&mut self, rel: &str, text: &str) -> Result<()> {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        self.count += 1;
        Ok(())
    }
}

fn staging_sql(d: usize, p: usize, m: &Model) -> String {
    let dom = domain_name(d);
    let (plural, _) = ENTITIES[p];
    let mut s = String::new();
    if p % 5 == 4 {
        s.push_str("{{ config(tags=['pii'], meta={'contains_pii': true}) }}\n\n");
    } else if p % 7 == 3 {
        s.push_str("{{ config(materialized='table') }}\n\n");
    }
    let from = match p {
        18 => format!("{{{{ ref('{}') }}}}", SEEDS[d % SEEDS.len()]),
        19 => format!("{{{{ ref('{}') }}}}", SEEDS[(d + 1) % SEEDS.len()]),
        _ => format!("{{{{ source('{dom}_raw', '{plural}') }}}}"),
    };
    let account = if m.key == "account_id" {
        ""
    } else {
        "        account_id,\n"
    };
    let _ = write!(
        s,
        "with source as (

    select * from {from}

),

renamed as (

    select
        id as {key},
{account}        lower(status) as status,
        {{{{ cents_to_dollars('amount_cents') }}}} as amount,
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at

    from source
    where cast(created_at as date) >= cast('{{{{ var(\"start_date\") }}}}' as date)

)

select * from renamed
",
        key = m.key
    );
    s
}

/// `count` distinct picks from `pool`, in the order drawn.
fn pick(rng: &mut Rng, pool: &[usize], count: usize) -> Vec<usize> {
    let mut pool = pool.to_vec();
    let mut out = Vec::new();
    while out.len() < count && !pool.is_empty() {
        out.push(pool.swap_remove(rng.below(pool.len())));
    }
    out
}

/// CTEs selecting from each upstream model, then the body's `select`.
fn ctes(ups: &[Model], incremental_on_first: bool) -> String {
    let mut s = String::from("with ");
    for (i, u) in ups.iter().enumerate() {
        if i > 0 {
            s.push_str(",\n\n");
        }
        let _ = write!(
            s,
            "{} as (\n\n    select * from {{{{ ref('{}') }}}}\n",
            u.name, u.name
        );
        if i == 0 && incremental_on_first {
            s.push_str(
                "
    {% if is_incremental() %}
    -- only rows changed since the last run, with a few days of overlap for late data
    where updated_at >= (select max(updated_at) from {{ this }}) - interval '{{ var('lookback_days', 3) }} days'
    {% endif %}
",
            );
        }
        s.push_str("\n)");
    }
    s.push_str("\n\n");
    s
}

fn joins(ups: &[Model]) -> String {
    let first = &ups[0].name;
    ups[1..]
        .iter()
        .map(|u| {
            format!(
                "left join {0}\n    on {first}.account_id = {0}.account_id\n",
                u.name
            )
        })
        .collect()
}

fn intermediate_sql(d: usize, p: usize, m: &Model, rng: &mut Rng) -> String {
    let q = p - STAGING;
    // Primary input: the staging model of the same entity (so the same key); then one or two more.
    let mut ups = vec![model_at(d, q + 1)];
    let mut pool: Vec<usize> = (0..STAGING).filter(|&s| s != q + 1).collect();
    if q >= 6 {
        pool.extend(STAGING..STAGING + q);
    }
    let extra = 1 + rng.below(2);
    ups.extend(pick(rng, &pool, extra).into_iter().map(|i| model_at(d, i)));
    let mut s = String::new();
    if m.ephemeral {
        s.push_str("{{ config(materialized='ephemeral') }}\n\n");
    }
    s.push_str(&ctes(&ups, false));
    let f = &ups[0].name;
    let _ = write!(
        s,
        "select
    {f}.{key},
    {f}.account_id,
    {f}.status,
    {{{{ status_label('{f}.status') }}}} as status_label,
    {f}.amount,
",
        key = m.key
    );
    for (i, u) in ups.iter().enumerate().skip(1) {
        let _ = writeln!(
            s,
            "    coalesce({}.amount, 0) as upstream_{i}_amount,",
            u.name
        );
        let _ = writeln!(
            s,
            "    {{{{ safe_divide('{f}.amount', '{}.amount') }}}} as upstream_{i}_ratio,",
            u.name
        );
    }
    let _ = write!(
        s,
        "    {{{{ surrogate_key(['{f}.{key}', '{f}.account_id']) }}}} as {stem}_key,
    {f}.created_at,
    {f}.updated_at

from {f}
{joins}",
        key = m.key,
        stem = m.key.trim_end_matches("_id"),
        joins = joins(&ups)
    );
    s
}

fn mart_sql(d: usize, p: usize, m: &Model, rng: &mut Rng) -> String {
    let r = p - STAGING - INTERMEDIATE;
    // Primary input: the intermediate model of the same entity (so the same key); then more from this domain,
    // earlier marts of it, and one mart of the previous domain.
    let mut ups = vec![model_at(d, STAGING + r)];
    let pool: Vec<usize> = (1..STAGING + INTERMEDIATE)
        .filter(|&i| i != STAGING + r)
        .collect();
    let extra = 1 + rng.below(3);
    ups.extend(pick(rng, &pool, extra).into_iter().map(|i| model_at(d, i)));
    if r >= 6 {
        ups.push(model_at(d, STAGING + INTERMEDIATE + rng.below(r)));
    }
    if d > 0 && r % 4 == 1 {
        ups.push(model_at(
            d - 1,
            STAGING + INTERMEDIATE + rng.below(PER_DOMAIN - STAGING - INTERMEDIATE),
        ));
    }
    let dom = domain_name(d);
    let mut s = String::new();
    if m.incremental {
        let _ = write!(
            s,
            "{{{{
    config(
        materialized='incremental',
        unique_key='{}',
        on_schema_change='append_new_columns',
        tags=['{dom}', 'incremental']
    )
}}}}

",
            m.key
        );
    } else if r % 4 == 0 {
        let _ = write!(
            s,
            "{{{{ config(materialized='table', tags=['{dom}']) }}}}\n\n"
        );
    }
    s.push_str(&ctes(&ups, m.incremental));
    let f = &ups[0].name;
    let _ = write!(
        s,
        "select
    {f}.{key},
    {f}.account_id,
    {f}.status,
    {f}.status in (
        {{%- for status in var('completed_statuses') -%}}
        '{{{{ status }}}}'{{% if not loop.last %}}, {{% endif %}}
        {{%- endfor -%}}
    ) as is_completed,
    {f}.amount",
        key = m.key
    );
    for u in &ups[1..] {
        let _ = write!(s, "\n        + coalesce({}.amount, 0)", u.name);
    }
    let _ = write!(
        s,
        " as total_amount,
    date_trunc('{{{{ var(\"reporting_grain\") }}}}', {f}.created_at) as reporting_date,
    {f}.created_at,
    {f}.updated_at

from {f}
{}",
        joins(&ups)
    );
    s
}

fn model_yml(y: &mut String, d: usize, p: usize, m: &Model) {
    let dom = domain_name(d);
    let (plural, singular) = if p < STAGING {
        ENTITIES[p]
    } else if m.layer == Layer::Intermediate {
        ENTITIES[p - STAGING + 1]
    } else {
        ENTITIES[p - STAGING - INTERMEDIATE + 1]
    };
    let description = match m.layer {
        Layer::Staging => {
            format!("One row per {singular} from the {dom} system, renamed and typed.")
        }
        Layer::Intermediate => format!(
            "{plural} of the {dom} domain joined with related records; not exposed to end users."
        ),
        Layer::Mart => format!("Reporting table of {dom} {plural}, one row per {singular}."),
    };
    let _ = writeln!(y, "  - name: {}\n    description: {description}", m.name);
    if m.layer == Layer::Mart {
        let _ = writeln!(y, "    config:\n      tags: [\"{dom}\"]\n      meta:\n        owner: \"{dom}-analytics@example.com\"");
    }
    let tests = !m.ephemeral;
    let _ = writeln!(
        y,
        "    columns:\n      - name: {}\n        description: \"{{{{ doc('primary_key') }}}}\"",
        m.key
    );
    if tests {
        y.push_str("        data_tests:\n          - unique\n          - not_null\n");
    }
    if m.key != "account_id" {
        y.push_str("      - name: account_id\n        description: \"{{ doc('account_id') }}\"\n");
        if tests && m.layer == Layer::Mart {
            let _ = writeln!(
                y,
                "        data_tests:\n          - not_null\n          - relationships:\n              arguments:\n                to: ref('{}')\n                field: account_id",
                model_at(d, 0).name
            );
        }
    }
    y.push_str("      - name: status\n        description: \"{{ doc('order_status') }}\"\n");
    if tests && p % 3 == 0 {
        let values = STATUSES.map(|s| format!("'{s}'")).join(", ");
        let _ = writeln!(y, "        data_tests:\n          - accepted_values:\n              arguments:\n                values: [{values}]");
    }
    let amount = if m.layer == Layer::Mart {
        "total_amount"
    } else {
        "amount"
    };
    let _ = writeln!(
        y,
        "      - name: {amount}\n        description: Amount in dollars."
    );
    y.push('\n');
}

fn sources_yml(d: usize) -> String {
    let dom = domain_name(d);
    let mut y = format!(
        "version: 2

sources:
  - name: {dom}_raw
    description: Raw tables of the {dom} system, loaded nightly by the ingestion pipeline.
    schema: raw_{dom}
    config:
      tags: [\"raw\"]
    tables:
"
    );
    for (i, (plural, singular)) in ENTITIES[..18].iter().enumerate() {
        let _ = writeln!(y, "      - name: {plural}\n        description: One row per {singular} as exported from the {dom} system.");
        if i % 2 == 0 {
            let _ = writeln!(
                y,
                "        columns:\n          - name: id\n            description: Primary key of the {singular}.\n            data_tests:\n              - unique\n              - not_null"
            );
        }
    }
    y
}

fn seeds_yml() -> String {
    let mut y = String::from("version: 2\n\nseeds:\n");
    for seed in SEEDS {
        let _ = writeln!(
            y,
            "  - name: {seed}\n    description: Reference data maintained by hand.\n    columns:\n      - name: id\n        description: Primary key.\n        data_tests:\n          - unique"
        );
    }
    y
}

const DBT_PROJECT: &str = r#"name: bench
version: "1.0.0"
config-version: 2

profile: bench

model-paths: ["models"]
seed-paths: ["seeds"]
test-paths: ["tests"]
macro-paths: ["macros"]

clean-targets:
  - target

vars:
  start_date: "2020-01-01"
  reporting_grain: day
  completed_statuses: ["completed", "shipped"]
  status_labels:
    placed: Placed
    shipped: Shipped
    completed: Completed
    returned: Returned

models:
  bench:
    +materialized: view
    staging:
      +tags: ["staging"]
    intermediate:
      +tags: ["intermediate"]
    marts:
      +materialized: table
      +tags: ["marts"]

seeds:
  bench:
    +tags: ["reference"]
"#;

const PROFILES: &str = "bench:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: bench.duckdb
      schema: main
      threads: 2
";

const MACRO_AMOUNTS: &str = "{% macro cents_to_dollars(column_name, scale=2) -%}
    round(cast({{ column_name }} as decimal(16, {{ scale }})) / 100, {{ scale }})
{%- endmacro %}

{% macro safe_divide(numerator, denominator) -%}
    case when {{ denominator }} is null or {{ denominator }} = 0 then null
         else {{ numerator }} / {{ denominator }} end
{%- endmacro %}
";

const MACRO_KEYS: &str = "{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns -%}
        , coalesce(cast({{ column }} as varchar), '_null_')
    {%- endfor -%}
    ))
{%- endmacro %}
";

const MACRO_LABELS: &str = "{% macro status_label(column) -%}
    case {{ column }}
    {%- for status, label in var('status_labels').items() %}
        when '{{ status }}' then '{{ label }}'
    {%- endfor %}
        else 'Unknown'
    end
{%- endmacro %}
";

const MACROS_YML: &str = "version: 2

macros:
  - name: cents_to_dollars
    description: Converts an integer amount in cents to a decimal amount in dollars.
    arguments:
      - name: column_name
        type: string
        description: The column holding cents.
      - name: scale
        type: integer
        description: Decimal places to keep.
  - name: surrogate_key
    description: An md5 hash of the given columns, nulls included.
";

const DOCS: &str = "{% docs primary_key %}
The primary key of the model: unique and never null.
{% enddocs %}

{% docs account_id %}
The account the record belongs to. Every record of every domain is owned by exactly one account.
{% enddocs %}

{% docs order_status %}
Lifecycle status of the record:

| status    | meaning                          |
|-----------|----------------------------------|
| placed    | received, not yet shipped        |
| shipped   | handed over to the carrier       |
| completed | delivered and paid               |
| returned  | sent back by the customer        |
{% enddocs %}
";
