//! Generated inputs for `Config::from_lookup`, `Config::validate` and
//! `parse_headers`: nothing panics, every warning names its variable, what is read
//! passes `validate` unchanged, and no header warning ever shows a header value. A
//! small fixed-seed generator keeps every run the same.

use aitrace_sdk::config::*;

/// xorshift64*: tiny, deterministic, good enough to spread inputs around.
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

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// Words that reach the interesting branches of the parsers.
const WORDS: &[&str] = &[
    "true",
    "TRUE",
    "false",
    "otlp",
    "console",
    "none",
    "grpc",
    "http/protobuf",
    "http/json",
    "gzip",
    "always_on",
    "traceidratio",
    "parentbased_traceidratio",
    "xray",
    "jaeger_remote",
    "tracecontext",
    "baggage",
    "b3",
    "b3multi",
    "jaeger",
    "ottrace",
    "0",
    "1",
    "0.5",
    "-1",
    "1e400",
    "NaN",
    "inf",
    "18446744073709551616",
    "http://",
    "https://",
    "ftp://",
    "localhost",
    ":4317",
    "/v1/traces",
    "[::1]",
    "[",
    "]",
    "@",
    "service.name",
    "%",
    "%2",
    "%20",
    "%FF",
    "%0D%0A",
    "%C3",
    "=",
    ",",
    ";",
    " ",
    "\t",
    "\n",
    "\r",
    "\0",
    "\u{7f}",
    "é",
    "💥",
    "\u{feff}",
    "\u{2028}",
];

/// Single characters, including multi-byte ones, to cut words at odd places.
const CHARS: &[&str] = &[
    "a", "Z", "9", "-", "_", ".", ":", "/", "?", "#", "%", "=", ",", " ", "\"", "'", "\\", "\n",
    "\u{0}", "ß", "€", "𝄞",
];

fn random_value(rng: &mut Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(8) {
        if rng.chance(70) {
            s.push_str(rng.pick(WORDS));
        } else {
            s.push_str(rng.pick(CHARS));
        }
    }
    s
}

/// All the names the configuration reads, with the `AITRACE_*` ones that have no
/// file-system side effects.
fn names() -> Vec<&'static str> {
    let mut names = ENV_VARIABLES.to_vec();
    names.extend([
        "AITRACE_STRICT_CONFIG",
        "AITRACE_SEMCONV",
        "AITRACE_CAPTURE_CONTENT",
        "AITRACE_MAX_CONTENT_BYTES",
        "AITRACE_GEN_AI_SYSTEM_COMPAT",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
    ]);
    names
}

#[test]
fn from_lookup_never_panics() {
    let names = names();
    let mut rng = Rng(0x5EED_0000_A17A_CE01);
    let mut accepted = 0;
    for _ in 0..4000 {
        let mut env: Vec<(&str, String)> = Vec::new();
        for _ in 0..1 + rng.below(6) {
            let name = names[rng.below(names.len())];
            env.push((name, random_value(&mut rng)));
        }
        let (mut config, warnings) = Config::from_lookup(|name| {
            env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
        });
        if warnings.is_empty() {
            accepted += 1;
        }
        for w in &warnings {
            assert!(names.contains(&w.var), "{env:?} -> {w}");
            assert!(w.to_string().contains(w.var), "{w}");
        }
        let _ = config.effective_exporters();
        let _ = format!("{config:?}");
        // What reading kept is valid: the gate finds nothing more (files aside:
        // none of the generated paths exists, so none was kept).
        let again = config.validate();
        assert!(again.is_empty(), "{env:?}: validate found {again:?}");
        let endpoint = config
            .otlp
            .resolved_traces_endpoint()
            .unwrap_or_else(|w| panic!("{env:?}: a validated endpoint does not resolve: {w}"));
        assert!(
            endpoint.url.starts_with("http://") || endpoint.url.starts_with("https://"),
            "{env:?} -> {endpoint:?}"
        );
    }
    // The generator must reach the clean paths too, not only warnings.
    assert!(
        accepted > 100,
        "only {accepted} inputs were read without a warning"
    );
}

#[test]
fn resolved_endpoint_never_panics_on_values_set_in_code() {
    let mut rng = Rng(0xE4D9_0147_0000_0001);
    for _ in 0..4000 {
        let otlp = OtlpConfig {
            endpoint: rng.chance(60).then(|| random_value(&mut rng)),
            traces_endpoint: rng.chance(40).then(|| random_value(&mut rng)),
            protocol: if rng.chance(50) {
                Protocol::Grpc
            } else {
                Protocol::HttpProtobuf
            },
            insecure: rng.chance(50),
            ..OtlpConfig::default()
        };
        match otlp.resolved_traces_endpoint() {
            Ok(r) => assert!(r.url.starts_with("http"), "{otlp:?} -> {r:?}"),
            Err(w) => assert!(
                w.var == OTEL_EXPORTER_OTLP_ENDPOINT || w.var == OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
                "{w}"
            ),
        }
        // The gate drops what does not resolve; what is left always does.
        let mut validated = otlp.clone();
        let _ = validated.validate();
        assert!(validated.resolved_traces_endpoint().is_ok(), "{otlp:?}");
    }
}

/// A header value: a marker that must never appear in an error, then noise that
/// may break the entry (control characters, bad escapes, invalid UTF-8). Commas
/// are left out: inside a value they must be percent-encoded, and a bare one
/// starts a new entry.
fn secret_value(rng: &mut Rng) -> String {
    const NOISE: &[&str] = &[
        "abc", "XYZ", "123", "=", "==", "%20", "%2C", "%", "%G1", "%0D", "%0A", "%0D%0A", "%00",
        "%FF", "%C3%28", "%E2%82", " ", "\t", "\r", "\n", "é", "💥", "Bearer ", "+", ";", ":",
    ];
    let mut s = String::from("S3CR3T");
    for _ in 0..rng.below(5) {
        s.push_str(rng.pick(NOISE));
    }
    s
}

/// A header key: usually valid, sometimes broken in a way that hides no secret.
fn header_key(rng: &mut Rng) -> String {
    const KEYS: &[&str] = &[
        "x-api-key",
        "authorization",
        "X-Honeycomb-Team",
        "k",
        "a.b_c~d",
        "%78-encoded",
        "",
        " ",
        "bad key",
        "k(1)",
        "ключ",
        "%0A",
        "%",
        "x\u{1}",
    ];
    rng.pick(KEYS).to_string()
}

#[test]
fn header_errors_never_contain_values() {
    let mut rng = Rng(0x0DDB_A115_EC2E_7501);
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..5000 {
        let mut entries = Vec::new();
        for _ in 0..1 + rng.below(4) {
            entries.push(match rng.below(10) {
                // An entry without '=' whose text is a secret.
                0 => secret_value(&mut rng).replace('=', ""),
                // An empty entry.
                1 => String::from(" "),
                _ => format!("{}={}", header_key(&mut rng), secret_value(&mut rng)),
            });
        }
        let value = entries.join(",");
        for var in [
            OTEL_EXPORTER_OTLP_HEADERS,
            OTEL_EXPORTER_OTLP_TRACES_HEADERS,
        ] {
            let (list, warnings) = parse_headers(var, &value);
            for (k, v) in &list {
                assert!(!k.is_empty());
                assert!(!v.contains(['\r', '\n', '\0']), "{value:?}");
            }
            if warnings.is_empty() {
                ok += 1;
            } else {
                failed += 1;
            }
            for w in &warnings {
                let shown = format!("{w} | {w:?}");
                assert!(!shown.contains("S3CR3T"), "{value:?} -> {shown}");
                assert!(shown.contains(var), "{shown}");
            }
            let (c, warnings) = Config::from_lookup(|name| (name == var).then(|| value.clone()));
            let shown = format!("{c:?} {warnings:?}");
            assert!(!shown.contains("S3CR3T"), "{value:?} -> {shown}");
        }
    }
    assert!(ok > 100 && failed > 100, "ok {ok}, failed {failed}");
}
