//! Every environment variable aitrace reads, on hostile values, all together:
//! the `OTEL_*` ones, the `AITRACE_*` settings (including `AITRACE_PRICING_FILE`
//! pointing at good, broken, binary, missing files or a directory) and the keep
//! rules (`AITRACE_SAMPLE_*`). Reading never panics nor fails, every warning names
//! the variable at fault, and every configuration builds, exports a span and
//! shuts down without panicking (with its endpoint pointed at a loopback receiver).
//!
//! `config_fuzz.rs` covers the `OTEL_*` parsers alone in more depth; this adds the
//! variables it leaves out and the path from accepted values to a running pipeline.

mod support;
use aitrace::Settings;
use aitrace_sdk::config::{Config, Protocol, ENV_VARIABLES};
use aitrace_sdk::keep_rules::{
    KeepRules, ENV_SAMPLE_COST_USD, ENV_SAMPLE_ERRORS, ENV_SAMPLE_GUARDRAILS, ENV_SAMPLE_SLOW_MS,
};
use aitrace_sdk::{Builder, InitError};
use opentelemetry::trace::{Tracer, TracerProvider};
use proptest::prelude::*;
use std::path::PathBuf;
use std::time::Duration;
use support::receiver::Receiver;

const SAMPLE_VARS: [&str; 4] = [
    ENV_SAMPLE_ERRORS,
    ENV_SAMPLE_GUARDRAILS,
    ENV_SAMPLE_SLOW_MS,
    ENV_SAMPLE_COST_USD,
];

const AITRACE_VARS: [&str; 6] = [
    "AITRACE_SEMCONV",
    "AITRACE_CAPTURE_CONTENT",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    "AITRACE_MAX_CONTENT_BYTES",
    "AITRACE_GEN_AI_SYSTEM_COMPAT",
    "AITRACE_PRICING_FILE",
];

/// Values that reach the parsers' branches, and ones that break them.
const WORDS: &[&str] = &[
    "true",
    "FALSE",
    "1",
    "0",
    "yes",
    "off",
    "-1",
    "0.5",
    "1e400",
    "-0",
    "NaN",
    "inf",
    "-inf",
    "1e-320",
    "18446744073709551615",
    "18446744073709551616",
    "1048576",
    "1048577",
    "100000000000",
    "64",
    "63",
    "grpc",
    "http/protobuf",
    "gzip",
    "otlp",
    "console",
    "none",
    "otlp,console",
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_traceidratio",
    "tracecontext,baggage,b3,b3multi,jaeger",
    "ai,gen_ai,openinference",
    "genai",
    "x-api-key=abc",
    "a=%ZZ",
    "service.name=svc,k=v%20w",
    "http://127.0.0.1:4317",
    "https://[::1]:4318/v1/traces",
    "localhost:4317",
    "ftp://x",
    " ",
    "\t",
    "\n",
    "\0",
    "é",
    "💥",
    "\u{feff}",
    "%",
    ",",
    "=",
];

/// A value: one or two words, sometimes with noise, sometimes arbitrary text.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(WORDS).prop_map(str::to_string),
        2 => (prop::sample::select(WORDS), prop::sample::select(WORDS)).prop_map(|(a, b)| format!("{a}{b}")),
        2 => any::<String>(),
        1 => "[0-9.eE+-]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    /// `AITRACE_SAMPLE_*`: the rules are sane, refused values name the variable.
    #[test]
    fn keep_rule_variables(values in prop::collection::vec(prop::option::of(value()), 4)) {
        let lookup = |name: &str| {
            SAMPLE_VARS.iter().position(|v| *v == name).and_then(|i| values[i].clone())
        };
        let (rules, warnings) = KeepRules::from_lookup(lookup);
        if let Some(usd) = rules.costlier_than_usd {
            prop_assert!(usd.is_finite() && usd >= 0.0, "{usd}");
        }
        let _ = rules.any();
        for w in warnings {
            prop_assert!(SAMPLE_VARS.contains(&w.var), "{}", w.var);
            prop_assert!(!w.expected.is_empty());
        }
    }

    /// The `AITRACE_*` settings (files aside: see below).
    #[test]
    fn settings_variables(values in prop::collection::vec(prop::option::of(value()), 5)) {
        let lookup = |name: &str| {
            AITRACE_VARS[..5].iter().position(|v| *v == name).and_then(|i| values[i].clone())
        };
        let (s, warnings) = Settings::from_lookup(lookup);
        prop_assert!(s.max_content_bytes() >= 64);
        for w in warnings {
            let shown = w.to_string();
            prop_assert!(AITRACE_VARS.iter().any(|v| shown.contains(v)), "{shown}");
        }
    }
}

/// Files for the variables that name one: a valid price table, broken JSON, bytes
/// that are not UTF-8, a PEM file that holds no certificate, a directory, and
/// paths that do not exist.
fn files(dir: &std::path::Path) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    let write = |name: &str, bytes: &[u8]| -> String {
        let p: PathBuf = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    vec![
        write(
            "prices.json",
            br#"{"models": {"fuzz-model": {"input": 1.0, "output": 2.0}}}"#,
        ),
        write("broken.json", br#"{"models": {"m": {"input": 1,"#),
        write(
            "negative.json",
            br#"{"models": {"m": {"input": -1, "output": 1}}}"#,
        ),
        write("binary.json", &[0xff, 0xfe, 0x00, 0x80, b'{']),
        write(
            "junk.pem",
            b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
        ),
        dir.display().to_string(),
        dir.join("missing.json").display().to_string(),
        String::new(),
    ]
}

/// xorshift64*, for a run that is the same every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every variable at once, a few set per case; every configuration is built (in
/// one case of two) and run against loopback receivers.
#[test]
fn all_variables_from_parse_to_a_running_pipeline() {
    let dir = std::env::temp_dir().join(format!("aitrace-fuzz-env-{}", std::process::id()));
    let files = files(&dir);
    let grpc = Receiver::grpc(false);
    let http = Receiver::http(false);
    let mut names: Vec<&str> = ENV_VARIABLES.to_vec();
    names.extend(AITRACE_VARS);
    names.extend(SAMPLE_VARS);
    names.push("AITRACE_STRICT_CONFIG");
    let file_vars = [
        "AITRACE_PRICING_FILE",
        "OTEL_EXPORTER_OTLP_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    ];
    let mut rng = Rng(0xA17A_CE00_F022_E4E5);
    let (mut accepted, mut warned, mut built, mut ran) = (0, 0, 0, 0);
    for case in 0..3000 {
        let mut env: Vec<(&str, String)> = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let name = names[rng.below(names.len())];
            let value = if file_vars.contains(&name) && rng.below(4) > 0 {
                files[rng.below(files.len())].clone()
            } else {
                WORDS[rng.below(WORDS.len())].to_string()
            };
            env.push((name, value));
        }
        let lookup = |name: &str| {
            env.iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        let (mut config, mut warnings) = Config::from_lookup(lookup);
        let (rules, more) = KeepRules::from_lookup(lookup);
        warnings.extend(more);
        for w in &warnings {
            let shown = w.to_string();
            assert!(
                names.contains(&w.var) && shown.contains(w.var),
                "case {case}: the warning names no variable: {shown}"
            );
        }
        if warnings.is_empty() {
            accepted += 1;
        } else {
            warned += 1;
        }
        let _ = aitrace_sdk::propagator(&config.propagators);
        // Building a pipeline starts threads: build one in three cases.
        if case % 3 != 0 {
            continue;
        }
        let strict = config.strict;
        // Loopback only, whatever the variables said.
        config.otlp.traces_endpoint = None;
        config.otlp.endpoint = Some(match config.otlp.protocol {
            Protocol::Grpc => grpc.endpoint.clone(),
            Protocol::HttpProtobuf | Protocol::HttpJson => http.endpoint.clone(),
        });
        // Keep the console exporter quiet in the test output.
        if let Some(kinds) = &mut config.exporters {
            kinds.retain(|k| *k != aitrace_sdk::config::ExporterKind::Console);
        }
        match Builder::from_config(config).with_keep_rules(rules).build() {
            Ok(guard) => {
                built += 1;
                if let Some(provider) = guard.provider() {
                    provider.tracer("fuzz-env").in_span("fuzz", |_| {});
                    ran += 1;
                }
                let _ = guard.shutdown_with_timeout(Duration::from_secs(5));
            }
            Err(InitError::Config(e)) => {
                assert!(strict, "case {case}: not strict, yet refused: {e}");
                for w in e.warnings() {
                    assert!(e.to_string().contains(w.var), "{e}");
                }
            }
            Err(InitError::Exporter(e)) => assert!(!e.to_string().is_empty()),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        accepted > 150 && warned > 1000 && built > 500 && ran > 500,
        "accepted {accepted}, warned {warned}, built {built}, ran {ran}"
    );
}

/// A queue too large to allocate is a warning naming the variable and the
/// default queue is used, not an abort of the process; in code too.
#[test]
fn a_huge_queue_is_a_warning_not_an_abort() {
    for size in ["1048577", "100000000000", "18446744073709551615"] {
        let env = [
            ("OTEL_BSP_MAX_QUEUE_SIZE", size),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ];
        let guard = Builder::from_lookup(|k| {
            env.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
        .build()
        .expect("starts");
        let shown = guard.config_warnings()[0].to_string();
        assert!(
            shown.contains("OTEL_BSP_MAX_QUEUE_SIZE") && shown.contains(size),
            "{shown}"
        );
        assert_eq!(guard.config().batch.max_queue_size, 2048);
        let _ = guard.shutdown_with_timeout(Duration::from_secs(1));
    }
    let guard = Builder::new()
        .with_endpoint("http://127.0.0.1:9")
        .with_batch(aitrace_sdk::config::BatchConfig {
            max_queue_size: usize::MAX,
            ..Default::default()
        })
        .build()
        .expect("starts");
    assert_eq!(guard.config_warnings()[0].var, "OTEL_BSP_MAX_QUEUE_SIZE");
    assert_eq!(guard.config().batch.max_queue_size, 2048);
}

/// A timeout too long to add to the clock does not make exports panic.
#[test]
fn a_huge_timeout_does_not_break_exports() {
    let rx = Receiver::grpc(false);
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", rx.endpoint.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "18446744073709551615"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "18446744073709551615"),
        ("OTEL_BSP_SCHEDULE_DELAY", "10"),
    ];
    let (config, warnings) = Config::from_lookup(|k| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    });
    assert!(warnings.is_empty(), "{warnings:?}");
    let guard = Builder::from_config(config).build().unwrap();
    guard
        .provider()
        .unwrap()
        .tracer("t")
        .in_span("long timeout", |_| {});
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(10))
        .expect("delivered");
    assert_eq!(report.stats.exported, 1);
    assert_eq!(rx.spans().len(), 1);
}
