//! What the benchmarks share: criterion's stored medians and a paired ratio that
//! holds up on a noisy machine. Included by the benchmarks of both crates.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Instant;

/// Where criterion writes its results (as criterion finds it).
pub fn criterion_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(d).join("criterion");
    }
    // target/<profile>/deps/<bench> -> target/criterion
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors()
        .nth(3)
        .map(|t| t.join("criterion"))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// The median of one case (`group/function/parameter`) in nanoseconds, from
/// criterion's last run.
pub fn median_ns(id: &str) -> Option<f64> {
    let path = criterion_dir().join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

/// Seconds that `n` calls of `f` take.
pub fn timed(f: &dyn Fn(), n: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64()
}

/// The ratio a / b on this noisy machine: `a(n)` and `b(n)` (seconds for `n`
/// iterations) alternate in batches of about 2 ms, the order swapped every round,
/// so that both see the same load; the median of 41 per-round ratios is kept.
pub fn paired_ratio(a: &dyn Fn(u64) -> f64, b: &dyn Fn(u64) -> f64) -> f64 {
    let mut n = 1;
    while b(n) < 0.002 {
        n *= 2;
    }
    let mut ratios: Vec<f64> = (0..41)
        .map(|round| {
            if round % 2 == 0 {
                let ta = a(n);
                ta / b(n)
            } else {
                let tb = b(n);
                a(n) / tb
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}
