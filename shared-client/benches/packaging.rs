//! Packing benchmark: our packer against `tar --zstd` and against the
//! compression limit (zstd alone over the same tree already tarred in memory).
//!
//! Run with `cargo bench --bench packaging`. The tree is 275 MB in ~20,000
//! files (10 % incompressible) by default; `COMWIT_PACK_BENCH_MB` scales it for quick runs, and
//! `COMWIT_PACK_BENCH_KEEP_TREE=<dir>` keeps a copy for profiling.
//!
//! Each contender runs [`RUNS`] times, interleaved round by round, with the
//! tree in the page cache. "The limit" is the zstd CLI at the same level with
//! one worker per core, reading the uncompressed tar from tmpfs and writing a
//! file beside ours; zstd's own multi-threaded mode (the crate) compressing
//! the same tar from a buffer into nothing is printed too, for reference.
//! So is a floor: the CPU of compressing that buffer as our packer does
//! (a frame per job), of reading every file once and of hashing an
//! archive-sized buffer, spread over the cores as well as the CLI spreads
//! its own work; what we take beyond it is the pipeline's overhead. Peak
//! memory is measured in a child process (this binary re-executed), so
//! generating the tree does not count towards it.
//!
//! The last line is machine-readable (ratios of medians):
//! `pack_vs_tar_zstd_wall_ratio=<x> size_ratio=<y> vs_compress_limit=<w> peak_rss_mib=<z>`

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use comwit_client::package::{
    COMPRESSION_LEVEL, JOB_SIZE, PackOptions, pack_to_file, pack_to_writer,
};
use sha2::{Digest, Sha256};

#[path = "support/tree.rs"]
mod tree;
use tree::generate_tree;

const CHILD_ENV: &str = "COMWIT_PACK_BENCH_CHILD";
const SCALE_ENV: &str = "COMWIT_PACK_BENCH_MB";
const KEEP_ENV: &str = "COMWIT_PACK_BENCH_KEEP_TREE";
/// Runs per contender. Three is the minimum for a median; five steadies it
/// on a machine shared with other work.
const RUNS: usize = 5;

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    let total_mb: u64 = std::env::var(SCALE_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(tree::TREE_BYTES / 1_000_000);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let work = tempfile::tempdir().expect("temp dir");
    let tree = work.path().join("dist");
    let started = Instant::now();
    let shape = generate_tree(&tree, total_mb * 1_000_000, 0x5eed_c0de);
    if let Ok(keep) = std::env::var(KEEP_ENV) {
        // For profiling the child mode by hand against the same tree.
        let _ = fs::remove_dir_all(&keep);
        copy_dir(&tree, Path::new(&keep));
    }
    println!(
        "tree: {} files, {} dirs, {:.1} MB ({:.1} MB incompressible) in {:.1} s; {} cores; load average {}",
        shape.files,
        shape.dirs,
        mb(shape.bytes),
        mb(shape.binary_bytes),
        started.elapsed().as_secs_f64(),
        cores,
        fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    // Everything below reads the tree from the page cache.
    warm(&tree);

    // The limit's input: the same tree as an uncompressed tar, in memory
    // (tmpfs for the CLI, a buffer for the library). Not timed.
    let plain_tar = shm_path("plain.tar");
    run_ok(
        Command::new("tar")
            .arg("-cf")
            .arg(&plain_tar)
            .arg("-C")
            .arg(&tree)
            .arg("."),
    );
    let in_memory = fs::read(&plain_tar).expect("read plain tar");

    let ours_file = work.path().join("ours.tar.zst");
    let tar_file = work.path().join("tar.tar.zst");
    let limit_file = work.path().join("limit.tar.zst");
    let mut lib_size = 0;
    let mut frames_size = 0;
    // The hash floor covers as many bytes as the archive will have.
    let archive_estimate = in_memory.len() * 29 / 100;
    let mut tasks: Vec<(String, Box<dyn FnMut() + '_>)> = vec![
        (
            "ours  pack_to_file".to_owned(),
            Box::new(|| {
                pack_to_file(&tree, &ours_file, &PackOptions::new()).expect("pack to file");
            }),
        ),
        (
            "ours  pack_to_writer(sink)".to_owned(),
            Box::new(|| {
                pack_to_writer(&tree, io::sink(), &PackOptions::new()).expect("pack to sink");
            }),
        ),
        (
            "tar --zstd -cf".to_owned(),
            Box::new(|| {
                run_ok(
                    Command::new("tar")
                        .arg("--zstd")
                        .arg("-cf")
                        .arg(&tar_file)
                        .arg("-C")
                        .arg(&tree)
                        .arg("."),
                );
            }),
        ),
        (
            format!("limit: zstd CLI -{COMPRESSION_LEVEL} -T{cores}, tmpfs tar -> file"),
            Box::new(|| {
                run_ok(
                    Command::new("zstd")
                        .arg(format!("-{COMPRESSION_LEVEL}"))
                        .arg(format!("-T{cores}"))
                        .args(["-q", "-f"])
                        .arg(&plain_tar)
                        .arg("-o")
                        .arg(&limit_file),
                );
            }),
        ),
        (
            format!("reference: zstd crate multi-threaded, {cores} workers, in-memory tar -> sink"),
            Box::new(|| {
                let mut counter = CountingSink(0);
                let mut encoder =
                    zstd::Encoder::new(&mut counter, COMPRESSION_LEVEL).expect("zstd encoder");
                encoder.multithread(cores as u32).expect("zstd workers");
                encoder.write_all(&in_memory).expect("compress");
                encoder.finish().expect("finish");
                lib_size = counter.0;
            }),
        ),
        (
            format!("floor: the same tar in memory as our frames, {cores} threads -> sink"),
            Box::new(|| frames_size = compress_frames(&in_memory, cores)),
        ),
        (
            "floor: walk and read every file (one thread)".to_owned(),
            Box::new(|| warm(&tree)),
        ),
        (
            "floor: SHA-256 of an archive-sized buffer".to_owned(),
            Box::new(|| {
                std::hint::black_box(Sha256::digest(&in_memory[..archive_estimate]));
            }),
        ),
    ];
    // Rounds interleave the contenders, so a burst of load from elsewhere on
    // the machine hits all of them alike. A contender's previous output is
    // deleted first (untimed): replacing a large file that is still being
    // written back costs tens of milliseconds on ext4, whoever does it.
    let outputs: [Option<&Path>; 8] = [
        Some(&ours_file),
        None,
        Some(&tar_file),
        Some(&limit_file),
        None,
        None,
        None,
        None,
    ];
    let labels: Vec<String> = tasks.iter().map(|(label, _)| label.clone()).collect();
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); tasks.len()];
    for _ in 0..RUNS {
        for (i, (_, task)) in tasks.iter_mut().enumerate() {
            if let Some(output) = outputs[i] {
                let _ = fs::remove_file(output);
            }
            runs[i].push(measure(task));
        }
    }
    drop(tasks);
    let file_size = |path: &Path| fs::metadata(path).expect("archive").len();
    let sizes = [
        file_size(&ours_file),
        file_size(&ours_file),
        file_size(&tar_file),
        file_size(&limit_file),
        lib_size,
        frames_size,
        shape.bytes,
        archive_estimate as u64,
    ];
    for ((label, runs), size) in labels.iter().zip(&runs).zip(sizes) {
        report(label, runs, size, shape.bytes);
    }
    let _ = fs::remove_file(&plain_tar);
    drop(in_memory);

    // Peak memory of packing alone, for growing inputs.
    let mut subtrees: Vec<(PathBuf, u64)> = fs::read_dir(&tree)
        .expect("list tree")
        .map(|e| {
            let path = e.expect("entry").path();
            let size = tree_bytes(&path);
            (path, size)
        })
        .collect();
    subtrees.sort_by_key(|(_, size)| *size);
    let mut rss_inputs: Vec<(PathBuf, u64)> = subtrees
        .into_iter()
        .filter(|(_, size)| *size > shape.bytes / 10)
        .take(2)
        .collect();
    rss_inputs.push((tree.clone(), shape.bytes));
    let mut peak_full = 0.0;
    for (input, bytes) in &rss_inputs {
        let (peak_mib, wall) = child_pack(input, &work.path().join("child.tar.zst"));
        println!(
            "peak RSS packing {:>6.1} MB input ({}): {:.1} MiB (child wall {:.3} s)",
            mb(*bytes),
            input.strip_prefix(work.path()).unwrap_or(input).display(),
            peak_mib,
            wall.as_secs_f64()
        );
        peak_full = peak_mib;
    }

    let ours = median_wall(&runs[0]);
    let tar_zstd = median_wall(&runs[2]);
    let cli = median_wall(&runs[3]);
    let lib = median_wall(&runs[4]);
    print_floor(&runs, cli, cores);
    println!(
        "limit used below: the zstd CLI (same output path as ours); the crate on an in-memory buffer writes no file and is shown for reference"
    );
    println!(
        "best-of-{RUNS} ratios: vs tar --zstd {:.3}, vs limit {:.3}, vs crate in memory {:.3}",
        ratio(best_wall(&runs[0]), best_wall(&runs[2])),
        ratio(best_wall(&runs[0]), best_wall(&runs[3])),
        ratio(best_wall(&runs[0]), best_wall(&runs[4])),
    );
    println!(
        "median ratios: sink vs tar --zstd {:.3}, vs crate in memory {:.3}",
        ratio(median_wall(&runs[1]), tar_zstd),
        ratio(ours, lib),
    );
    println!(
        "pack_vs_tar_zstd_wall_ratio={:.3} size_ratio={:.4} vs_compress_limit={:.3} peak_rss_mib={:.1}",
        ratio(ours, tar_zstd),
        sizes[0] as f64 / sizes[2] as f64,
        ratio(ours, cli),
        peak_full
    );
}

/// The least wall time our packer could take on this tree here: the CPU of
/// compressing the tar as it does (in memory), reading every file and
/// hashing the output, spread over the cores as well as the zstd CLI
/// spreads its own work. What it takes beyond that is pipeline overhead.
fn print_floor(runs: &[Vec<Run>], cli: Duration, cores: usize) {
    let cpu = |i: usize| median_cpu(&runs[i]);
    let floor_cpu = cpu(5) + cpu(6) + cpu(7);
    let cli_use = (cpu(3) / cli.as_secs_f64()).min(cores as f64);
    let floor_wall = floor_cpu / cli_use;
    println!(
        "floor: CPU {:.3} s (compress {:.3} + read {:.3} + hash {:.3}) over {:.2} cores (the limit's use of them) = {:.3} s wall, {:.3}x the limit; ours uses {:.3} s CPU, {:.3}x the floor",
        floor_cpu,
        cpu(5),
        cpu(6),
        cpu(7),
        cli_use,
        floor_wall,
        floor_wall / cli.as_secs_f64(),
        cpu(0),
        median_wall(&runs[0]).as_secs_f64() / floor_wall,
    );
}

/// `tar` compressed as the packer does (a zstd frame per `JOB_SIZE`
/// bytes), on `threads` threads; returns the compressed size.
fn compress_frames(tar: &[u8], threads: usize) -> u64 {
    let jobs: Vec<&[u8]> = tar.chunks(JOB_SIZE).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let jobs = &jobs;
                scope.spawn(move || {
                    let mut zstd = zstd::bulk::Compressor::new(COMPRESSION_LEVEL).expect("zstd");
                    zstd.include_checksum(false).expect("no checksum");
                    let mine = jobs.iter().skip(worker).step_by(threads);
                    mine.map(|job| zstd.compress(job).expect("compress").len() as u64)
                        .sum::<u64>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    })
}

#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    /// User + system CPU seconds, this process and its waited-for children.
    cpu: f64,
}

fn measure(task: &mut dyn FnMut()) -> Run {
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    task();
    let wall = started.elapsed();
    Run {
        wall,
        cpu: cpu_seconds() - cpu_before,
    }
}

/// utime + stime + cutime + cstime of this process, from /proc (USER_HZ is
/// 100 on Linux), so 10 ms resolution.
fn cpu_seconds() -> f64 {
    let stat = fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14-17 of stat(5), counted from the state field (3rd) here.
    (11..15)
        .filter_map(|i| fields.get(i).and_then(|v| v.parse::<f64>().ok()))
        .sum::<f64>()
        / 100.0
}

fn run_ok(command: &mut Command) {
    let status = command.status().expect("run command");
    assert!(status.success(), "{command:?} failed");
}

/// The re-executed binary: pack one tree to a file and report `VmHWM`.
fn child(spec: &str) {
    let (root, dest) = spec.split_once('\n').expect("child spec");
    let started = Instant::now();
    pack_to_file(Path::new(root), Path::new(dest), &PackOptions::new()).expect("child pack");
    let wall = started.elapsed();
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!("{hwm_kib} {}", wall.as_nanos());
}

fn child_pack(root: &Path, dest: &Path) -> (f64, Duration) {
    let spec = format!("{}\n{}", root.display(), dest.display());
    let out = Command::new(std::env::current_exe().expect("own path"))
        .env(CHILD_ENV, spec)
        .stderr(Stdio::inherit())
        .output()
        .expect("run child");
    assert!(out.status.success(), "child pack failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let kib: f64 = parts.next().and_then(|v| v.parse().ok()).expect("VmHWM");
    let nanos: u64 = parts.next().and_then(|v| v.parse().ok()).expect("wall");
    (kib / 1024.0, Duration::from_nanos(nanos))
}

struct CountingSink(u64);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn median_wall(runs: &[Run]) -> Duration {
    let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    walls.sort();
    walls[walls.len() / 2]
}

fn median_cpu(runs: &[Run]) -> f64 {
    let mut cpus: Vec<f64> = runs.iter().map(|r| r.cpu).collect();
    cpus.sort_by(f64::total_cmp);
    cpus[cpus.len() / 2]
}

fn best_wall(runs: &[Run]) -> Duration {
    runs.iter().map(|r| r.wall).min().unwrap_or_default()
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn report(label: &str, runs: &[Run], size: u64, input: u64) {
    let walls: Vec<String> = runs
        .iter()
        .map(|r| format!("{:.3}", r.wall.as_secs_f64()))
        .collect();
    let median = median_wall(runs);
    println!(
        "{label}: median {:.3} s, best {:.3} s (runs {}), median CPU {:.2} s, {:.0} MB/s, size {} ({:.3}x)",
        median.as_secs_f64(),
        best_wall(runs).as_secs_f64(),
        walls.join(" "),
        median_cpu(runs),
        mb(input) / median.as_secs_f64(),
        size,
        input as f64 / size as f64
    );
}

fn shm_path(name: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("comwit-pack-bench-{}-{name}", std::process::id()))
}

fn warm(root: &Path) {
    let mut buf = vec![0; 1 << 20];
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("list") {
            let entry = entry.expect("entry");
            let kind = entry.file_type().expect("type");
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let mut file = fs::File::open(entry.path()).expect("open");
                while file.read(&mut buf).expect("read") > 0 {}
            }
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create copy");
    for entry in fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let dest = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            fs::copy(entry.path(), dest).expect("copy");
        }
    }
}

fn tree_bytes(path: &Path) -> u64 {
    let meta = fs::symlink_metadata(path).expect("stat");
    if !meta.is_dir() {
        return meta.len();
    }
    fs::read_dir(path)
        .expect("list")
        .map(|e| tree_bytes(&e.expect("entry").path()))
        .sum()
}
