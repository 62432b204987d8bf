//! `Config::from_lookup`: every variable, valid and invalid, precedence, and the
//! rules that an empty value is an unset one and that an invalid or unsupported
//! value is ignored (as if unset) with one warning naming the variable, the value
//! and what is accepted. The process environment is never read.

use aitrace_sdk::config::*;
use std::path::PathBuf;
use std::time::Duration;

fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        pairs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }
}

/// The configuration for `pairs`, which must be read without a warning.
fn config(pairs: &[(&str, &str)]) -> Config {
    let (c, warnings) = Config::from_lookup(lookup(pairs));
    assert!(
        warnings.is_empty(),
        "{pairs:?} should be accepted: {warnings:?}"
    );
    c
}

/// The configuration and the warnings for `pairs`.
fn read(pairs: &[(&str, &str)]) -> (Config, Vec<ConfigWarning>) {
    Config::from_lookup(lookup(pairs))
}

/// The first warning for `pairs`, as (variable, value, expected).
fn invalid(pairs: &[(&str, &str)]) -> (&'static str, String, String) {
    let (c, warnings) = read(pairs);
    match warnings.first() {
        None => panic!("{pairs:?} should be refused, got {c:?}"),
        Some(w) => (w.var, w.value.clone(), w.expected.clone()),
    }
}

/// Checks that `value` in `var` is refused with one warning naming `var` and the
/// value and mentioning every word of `accepted`, and that the value is ignored:
/// the configuration is the default one.
fn assert_rejected(var: &'static str, value: &str, accepted: &[&str]) {
    let (c, warnings) = read(&[(var, value)]);
    assert_eq!(warnings.len(), 1, "{var}={value:?}: {warnings:?}");
    let w = &warnings[0];
    assert_eq!(w.var, var, "{var}={value:?}");
    assert_eq!(w.value, value.trim(), "{var}={value:?}");
    for word in accepted {
        assert!(
            w.expected.contains(word),
            "{var}={value:?}: {:?} lacks {word:?}",
            w.expected
        );
    }
    let shown = w.to_string();
    assert!(shown.contains(var) && shown.contains("expected"), "{shown}");
    assert_eq!(
        summary(&c),
        summary(&Config::default()),
        "{var}={value:?} is ignored"
    );
}

/// Everything in a `Config` except the `AITRACE_*` settings, for comparisons.
fn summary(c: &Config) -> String {
    format!(
        "disabled={} service={:?} version={:?} resource={:?} exporters={:?} otlp={:?} \
         headers={:?} sampler={:?} propagators={:?} batch={:?}",
        c.disabled,
        c.service_name,
        c.service_version,
        c.resource_attributes,
        c.exporters,
        c.otlp,
        c.otlp.headers,
        c.sampler,
        c.propagators,
        c.batch
    )
}

fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn nothing_set_gives_the_defaults() {
    let c = config(&[]);
    assert_eq!(summary(&c), summary(&Config::default()));
    assert!(!c.disabled);
    assert_eq!(c.service_name, None);
    assert_eq!(c.exporters, None);
    assert!(!c.has_endpoint());
    assert_eq!(c.effective_exporters(), vec![ExporterKind::Console]);
    assert_eq!(c.otlp.protocol, Protocol::HttpProtobuf);
    assert_eq!(c.otlp.timeout, Duration::from_millis(10_000));
    assert_eq!(c.otlp.compression, Compression::None);
    assert!(c.otlp.headers.is_empty());
    assert!(!c.otlp.insecure);
    assert_eq!(c.sampler, SamplerConfig::ParentBasedAlwaysOn);
    assert_eq!(
        c.propagators,
        vec![PropagatorKind::TraceContext, PropagatorKind::Baggage]
    );
    assert_eq!(
        c.batch,
        BatchConfig {
            schedule_delay: Duration::from_millis(5000),
            export_timeout: Duration::from_millis(30_000),
            max_queue_size: 2048,
            max_export_batch_size: 512,
            max_queue_bytes: 64 * 1024 * 1024,
        }
    );
    assert!(!c.settings.capture_content());
}

#[test]
fn empty_or_blank_values_count_as_unset() {
    let default = summary(&config(&[]));
    for var in ENV_VARIABLES {
        for blank in ["", " ", "\t \n"] {
            let c = config(&[(var, blank)]);
            assert_eq!(summary(&c), default, "{var}={blank:?}");
        }
    }
    // An AITRACE_* variable set to an empty value is unset too.
    let c = config(&[("AITRACE_MAX_CONTENT_BYTES", " "), ("AITRACE_SEMCONV", "")]);
    assert_eq!(
        c.settings.max_content_bytes(),
        aitrace::settings::DEFAULT_MAX_CONTENT_BYTES
    );
}

#[test]
fn an_empty_signal_variable_falls_back_to_the_generic_one() {
    let c = config(&[
        (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, " "),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "grpc"),
        (OTEL_EXPORTER_OTLP_TRACES_HEADERS, ""),
        (OTEL_EXPORTER_OTLP_HEADERS, "a=1"),
        (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, ""),
        (OTEL_EXPORTER_OTLP_TIMEOUT, "250"),
        (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, ""),
        (OTEL_EXPORTER_OTLP_ENDPOINT, ""),
        (OTEL_ENDPOINT, "http://alias:4317"),
    ]);
    assert_eq!(c.otlp.protocol, Protocol::Grpc);
    assert_eq!(c.otlp.headers, headers(&[("a", "1")]));
    assert_eq!(c.otlp.timeout, Duration::from_millis(250));
    assert_eq!(c.otlp.traces_endpoint, None);
    assert_eq!(c.otlp.endpoint.as_deref(), Some("http://alias:4317"));
}

#[test]
fn sdk_disabled() {
    for (value, expected) in [
        ("true", true),
        ("TRUE", true),
        (" True ", true),
        ("false", false),
        ("False", false),
    ] {
        assert_eq!(
            config(&[(OTEL_SDK_DISABLED, value)]).disabled,
            expected,
            "{value:?}"
        );
    }
    for value in ["1", "0", "yes", "on", "tru", "true false", "\"true\""] {
        assert_rejected(OTEL_SDK_DISABLED, value, &["true", "false"]);
    }
}

#[test]
fn disabled_sdk_tolerates_invalid_values_elsewhere() {
    let c = config(&[
        (OTEL_SDK_DISABLED, "true"),
        (OTEL_TRACES_SAMPLER, "sometimes"),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "carrier-pigeon"),
    ]);
    assert!(c.disabled);
    let expected = Config {
        disabled: true,
        ..Config::default()
    };
    assert_eq!(summary(&c), summary(&expected));
    // When it is on, the same values are warnings.
    let (var, _, _) = invalid(&[
        (OTEL_SDK_DISABLED, "false"),
        (OTEL_TRACES_SAMPLER, "sometimes"),
    ]);
    assert_eq!(var, OTEL_TRACES_SAMPLER);
}

#[test]
fn service_name_and_resource_attributes() {
    let c = config(&[(OTEL_SERVICE_NAME, "  support-bot ")]);
    assert_eq!(c.service_name.as_deref(), Some("support-bot"));

    let c = config(&[(
        OTEL_RESOURCE_ATTRIBUTES,
        "deployment.environment.name=prod, team = ai%20platform ,service.name=from-attrs,\
         service.version=1.2.3,,note=a%2Cb%3Dc+d",
    )]);
    assert_eq!(c.service_name.as_deref(), Some("from-attrs"));
    assert_eq!(c.service_version.as_deref(), Some("1.2.3"));
    assert_eq!(
        c.resource_attributes,
        headers(&[
            ("deployment.environment.name", "prod"),
            ("team", "ai platform"),
            ("note", "a,b=c+d"),
        ])
    );

    // OTEL_SERVICE_NAME wins over service.name in the attributes.
    let c = config(&[
        (OTEL_RESOURCE_ATTRIBUTES, "service.name=from-attrs,k=v"),
        (OTEL_SERVICE_NAME, "from-name"),
    ]);
    assert_eq!(c.service_name.as_deref(), Some("from-name"));
    assert_eq!(c.resource_attributes, headers(&[("k", "v")]));

    // A key given twice keeps its last value; empty values are kept.
    let c = config(&[(OTEL_RESOURCE_ATTRIBUTES, "a=1,b=,a=2")]);
    assert_eq!(c.resource_attributes, headers(&[("a", "2"), ("b", "")]));

    for (value, detail) in [
        ("novalue", "entry 1 has no '='"),
        ("a=1,=2", "entry 2 has an empty key"),
        ("a=100%", "the value of entry 1 has a '%'"),
        ("a=%FF", "the value of entry 1 does not decode to UTF-8"),
        ("%0A=x", "the key of entry 1 holds a control character"),
    ] {
        let (var, got_value, expected) = invalid(&[(OTEL_RESOURCE_ATTRIBUTES, value)]);
        assert_eq!(var, OTEL_RESOURCE_ATTRIBUTES);
        assert_eq!(got_value, value);
        assert!(expected.contains("key=value"), "{expected}");
        assert!(expected.contains(detail), "{value:?}: {expected}");
    }
}

#[test]
fn traces_exporter() {
    use ExporterKind::{Console, Otlp};
    let cases: &[(&str, Option<Vec<ExporterKind>>)] = &[
        ("otlp", Some(vec![Otlp])),
        ("OTLP", Some(vec![Otlp])),
        ("console", Some(vec![Console])),
        (" otlp , console ", Some(vec![Otlp, Console])),
        ("console,otlp,console", Some(vec![Console, Otlp])),
        ("otlp,", Some(vec![Otlp])),
        ("none", Some(vec![])),
        ("None,none", Some(vec![])),
    ];
    for (value, expected) in cases {
        let c = config(&[(OTEL_TRACES_EXPORTER, value)]);
        assert_eq!(&c.exporters, expected, "{value:?}");
    }
    // Nothing usable: the variable is ignored, and the default applies.
    for value in [
        "zipkin",
        "logging",
        "none,otlp",
        "console,none",
        ",",
        "otlp;console",
    ] {
        assert_rejected(OTEL_TRACES_EXPORTER, value, &["otlp", "console", "none"]);
    }
    let (_, _, expected) = invalid(&[(OTEL_TRACES_EXPORTER, "none,otlp")]);
    assert!(expected.contains("cannot be combined"), "{expected}");
    let (_, _, expected) = invalid(&[(OTEL_TRACES_EXPORTER, "zipkin")]);
    assert!(expected.contains("zipkin is not supported"), "{expected}");
    // Names aitrace does not implement are skipped; the others still work.
    let (c, w) = read(&[(OTEL_TRACES_EXPORTER, "otlp,zipkin")]);
    assert_eq!(c.exporters, Some(vec![Otlp]));
    assert_eq!((w.len(), w[0].value.as_str()), (1, "zipkin"));
    assert_eq!(w[0].fallback, "skipped; using otlp");
    let (c, w) = read(&[(OTEL_TRACES_EXPORTER, "console,jaeger,bogus")]);
    assert_eq!(c.exporters, Some(vec![Console]));
    assert_eq!(w.len(), 2);
    assert!(
        w[1].expected.contains("bogus is not one of them"),
        "{}",
        w[1]
    );
}

#[test]
fn effective_exporters_follow_the_endpoint_when_none_are_chosen() {
    use ExporterKind::{Console, Otlp};
    assert_eq!(config(&[]).effective_exporters(), vec![Console]);
    for var in [
        OTEL_EXPORTER_OTLP_ENDPOINT,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        OTEL_ENDPOINT,
    ] {
        let c = config(&[(var, "http://collector:4318")]);
        assert!(c.has_endpoint(), "{var}");
        assert_eq!(c.effective_exporters(), vec![Otlp], "{var}");
    }
    let c = config(&[
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://collector:4318"),
        (OTEL_TRACES_EXPORTER, "console"),
    ]);
    assert_eq!(c.effective_exporters(), vec![Console]);
    let c = config(&[(OTEL_TRACES_EXPORTER, "none")]);
    assert_eq!(c.effective_exporters(), Vec::<ExporterKind>::new());
    // An endpoint set in code counts too.
    let mut c = Config::default();
    c.otlp.endpoint = Some("http://collector:4318".into());
    assert!(c.has_endpoint());
    assert_eq!(c.effective_exporters(), vec![Otlp]);
    c.otlp.endpoint = Some("  ".into());
    assert!(!c.has_endpoint());
}

#[test]
fn protocol() {
    for var in [
        OTEL_EXPORTER_OTLP_PROTOCOL,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    ] {
        for (value, expected) in [
            ("grpc", Protocol::Grpc),
            ("GRPC", Protocol::Grpc),
            ("http/protobuf", Protocol::HttpProtobuf),
            (" HTTP/Protobuf ", Protocol::HttpProtobuf),
            ("http/json", Protocol::HttpJson),
            ("HTTP/JSON", Protocol::HttpJson),
        ] {
            assert_eq!(
                config(&[(var, value)]).otlp.protocol,
                expected,
                "{var}={value}"
            );
        }
        for value in [
            "http",
            "grpc/protobuf",
            "tcp",
            "http/protobuf,grpc",
            "http/xml",
        ] {
            assert_rejected(var, value, &["grpc", "http/protobuf", "http/json"]);
        }
    }
}

#[test]
fn headers_are_parsed_and_the_signal_variable_replaces_the_generic_one() {
    let c = config(&[(
        OTEL_EXPORTER_OTLP_HEADERS,
        "x-honeycomb-team=abc123, authorization=Bearer%20tok%3D%3D,x-empty=",
    )]);
    assert_eq!(
        c.otlp.headers,
        headers(&[
            ("x-honeycomb-team", "abc123"),
            ("authorization", "Bearer tok=="),
            ("x-empty", ""),
        ])
    );
    let c = config(&[
        (OTEL_EXPORTER_OTLP_HEADERS, "a=1,b=2"),
        (OTEL_EXPORTER_OTLP_TRACES_HEADERS, "c=3"),
    ]);
    assert_eq!(c.otlp.headers, headers(&[("c", "3")]));
}

#[test]
fn header_errors_name_the_entry_and_never_the_value() {
    let secret = "sk-LIVE-0123456789";
    for var in [
        OTEL_EXPORTER_OTLP_HEADERS,
        OTEL_EXPORTER_OTLP_TRACES_HEADERS,
    ] {
        #[rustfmt::skip]
        let cases = [
            (format!("ok=1,{secret}"), "entry 2", "no '='"),
            (format!("ok=1,={secret}"), "entry 2", "key is empty"),
            (format!("bad key={secret}"), "entry 1", "a space"),
            (format!("k(1)={secret}"), "entry 1", "'('"),
            (format!("api-key={secret}%0D%0AHost: evil"), "entry 1 (key api-key)", "carriage return"),
            (format!("api-key={secret}%0Aevil"), "entry 1 (key api-key)", "line feed"),
            (format!("api-key={secret}%00"), "entry 1 (key api-key)", "U+0000"),
            (format!("api-key={secret}%"), "entry 1 (key api-key)", "'%' not followed"),
            (format!("api-key={secret}%C3%28"), "entry 1 (key api-key)", "UTF-8"),
        ];
        for (value, position, detail) in cases {
            let (c, warnings) = read(&[(var, &value)]);
            assert_eq!(warnings.len(), 1, "{value:?}: {warnings:?}");
            let w = &warnings[0];
            let (shown, debug) = (w.to_string(), format!("{w:?} {c:?}"));
            assert!(
                !shown.contains(secret) && !debug.contains(secret),
                "{shown}"
            );
            assert!(!shown.contains("evil"), "{shown}");
            assert_eq!(w.var, var);
            assert_eq!(w.value, position, "{value:?}");
            assert!(w.expected.contains(detail), "{value:?}: {}", w.expected);
            assert!(
                c.otlp.headers.iter().all(|(k, _)| k == "ok"),
                "the entry is skipped, the others kept"
            );
        }
    }
    // Which variable is named follows precedence.
    let (var, _, _) = invalid(&[
        (OTEL_EXPORTER_OTLP_HEADERS, "ok=1"),
        (OTEL_EXPORTER_OTLP_TRACES_HEADERS, "broken"),
    ]);
    assert_eq!(var, OTEL_EXPORTER_OTLP_TRACES_HEADERS);
}

#[test]
fn parse_headers_directly() {
    let parse = |v: &str| {
        let (list, warnings) = parse_headers(OTEL_EXPORTER_OTLP_HEADERS, v);
        (list, warnings.len())
    };
    assert_eq!(parse(""), (vec![], 0));
    assert_eq!(parse(" , ,"), (vec![], 0));
    assert_eq!(
        parse("a=1,a=2,X-Mixed-Case=%41"),
        (headers(&[("a", "1"), ("a", "2"), ("X-Mixed-Case", "A")]), 0)
    );
    // Percent-encoded keys are decoded, then checked.
    assert_eq!(parse("x%2Dkey=v"), (headers(&[("x-key", "v")]), 0));
    assert_eq!(parse("x%20key=v"), (vec![], 1));
    // A tab inside a value is allowed; non-ASCII is not (neither gRPC metadata
    // nor an HTTP header built from text can carry it).
    assert_eq!(parse("k=a%09b,l=%C3%A9"), (headers(&[("k", "a\tb")]), 1));
}

#[test]
fn debug_output_hides_header_values() {
    let c = config(&[(OTEL_EXPORTER_OTLP_HEADERS, "x-api-key=hunter2")]);
    let shown = format!("{c:?}");
    assert!(shown.contains("x-api-key"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn timeouts_are_milliseconds() {
    for var in [
        OTEL_EXPORTER_OTLP_TIMEOUT,
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
    ] {
        for (value, ms) in [
            ("0", 0),
            ("1", 1),
            (" 2500 ", 2500),
            ("00100", 100),
            ("86400000", 86_400_000),
        ] {
            assert_eq!(
                config(&[(var, value)]).otlp.timeout,
                Duration::from_millis(ms),
                "{value}"
            );
        }
        for value in [
            "-1",
            "1.5",
            "10s",
            "+10",
            "ten",
            "1_000",
            "99999999999999999999999",
        ] {
            assert_rejected(var, value, &["whole number of milliseconds"]);
        }
    }
}

#[test]
fn compression() {
    for var in [
        OTEL_EXPORTER_OTLP_COMPRESSION,
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
    ] {
        for (value, expected) in [
            ("gzip", Compression::Gzip),
            ("GZIP", Compression::Gzip),
            ("none", Compression::None),
            (" None ", Compression::None),
        ] {
            assert_eq!(
                config(&[(var, value)]).otlp.compression,
                expected,
                "{value}"
            );
        }
        for value in ["deflate", "true", "gzip,none", "zip"] {
            assert_rejected(var, value, &["gzip", "zstd", "none"]);
        }
        assert_eq!(config(&[(var, "ZSTD")]).otlp.compression, Compression::Zstd);
    }
}

/// PEM files for the certificate variables, made at test time in a directory of
/// this process: a certificate, its key, and a file that holds no PEM block.
struct PemFiles {
    dir: PathBuf,
    cert: String,
    key: String,
    junk: String,
}

impl PemFiles {
    fn new() -> PemFiles {
        let dir = std::env::temp_dir().join(format!("aitrace-config-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p.display().to_string()
        };
        PemFiles {
            cert: write("cert.pem", &ck.cert.pem()),
            key: write("key.pem", &ck.signing_key.serialize_pem()),
            junk: write("junk.pem", "not a certificate"),
            dir,
        }
    }
}

impl Drop for PemFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn certificates() {
    let f = PemFiles::new();
    let c = config(&[(OTEL_EXPORTER_OTLP_CERTIFICATE, &format!(" {} ", f.cert))]);
    assert_eq!(c.otlp.certificate, Some(PathBuf::from(&f.cert)));
    // (Metrics read the generic variables too, unless theirs are set.)
    let c = config(&[
        (OTEL_EXPORTER_OTLP_CERTIFICATE, "/generic.pem"),
        (OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, &f.cert),
        (OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE, &f.cert),
    ]);
    assert_eq!(
        c.otlp.certificate,
        Some(PathBuf::from(&f.cert)),
        "the generic one is not read"
    );

    let c = config(&[
        (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, &f.cert),
        (OTEL_EXPORTER_OTLP_CLIENT_KEY, "/generic.key"),
        (OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY, &f.key),
        (OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY, &f.key),
    ]);
    assert_eq!(c.otlp.client_certificate, Some(PathBuf::from(&f.cert)));
    assert_eq!(c.otlp.client_key, Some(PathBuf::from(&f.key)));

    // A file that cannot be read, or holds no certificate: ignored, with a
    // warning naming the variable that held it; the next in precedence applies.
    for bad in ["/nonexistent/ca.pem", f.junk.as_str(), f.key.as_str()] {
        for var in [
            OTEL_EXPORTER_OTLP_CERTIFICATE,
            OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
        ] {
            let (c, w) = read(&[(var, bad)]);
            assert_eq!(c.otlp.certificate, None, "{bad}");
            assert_eq!((w.len(), w[0].var, w[0].value.as_str()), (1, var, bad));
            assert!(w[0].expected.contains("PEM"), "{}", w[0]);
            assert!(w[0].fallback.contains("system"), "{}", w[0]);
        }
    }
    let (c, w) = read(&[
        (OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, "/nonexistent/ca.pem"),
        (OTEL_EXPORTER_OTLP_CERTIFICATE, &f.cert),
    ]);
    assert_eq!(c.otlp.certificate, Some(PathBuf::from(&f.cert)));
    assert_eq!(
        w[0].fallback,
        format!("ignored; {OTEL_EXPORTER_OTLP_CERTIFICATE} applies")
    );
    let (c, w) = read(&[(OTEL_EXPORTER_OTLP_CLIENT_KEY, &f.cert)]);
    assert_eq!(c.otlp.client_key, None);
    assert!(w[0].expected.contains("private key"), "{}", w[0]);

    // Mutual TLS needs both halves: a lone one is a warning, and no client
    // certificate is sent.
    let (c, w) = read(&[(OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, &f.cert)]);
    assert_eq!(
        (
            c.otlp.client_certificate.as_ref(),
            c.otlp.client_key.as_ref()
        ),
        (None, None)
    );
    assert_eq!(
        (w[0].var, w[0].value.as_str()),
        (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, f.cert.as_str())
    );
    assert!(
        w[0].expected.contains(OTEL_EXPORTER_OTLP_CLIENT_KEY),
        "{}",
        w[0]
    );
    let (_, w) = read(&[(OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY, &f.key)]);
    assert_eq!(w[0].var, OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY);
    assert!(
        w[0].expected
            .contains(OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE),
        "{}",
        w[0]
    );
}

#[test]
fn insecure() {
    for var in [
        OTEL_EXPORTER_OTLP_INSECURE,
        OTEL_EXPORTER_OTLP_TRACES_INSECURE,
    ] {
        for (value, expected) in [
            ("true", true),
            ("TRUE", true),
            ("false", false),
            ("FaLsE", false),
        ] {
            assert_eq!(config(&[(var, value)]).otlp.insecure, expected, "{value}");
        }
        for value in ["1", "yes", "insecure"] {
            assert_rejected(var, value, &["true or false"]);
        }
    }
    let c = config(&[
        (OTEL_EXPORTER_OTLP_INSECURE, "true"),
        (OTEL_EXPORTER_OTLP_TRACES_INSECURE, "false"),
    ]);
    assert!(!c.otlp.insecure);
}

#[test]
fn sampler() {
    use SamplerConfig::*;
    #[rustfmt::skip]
    let cases: &[(&str, Option<&str>, SamplerConfig)] = &[
        ("always_on", None, AlwaysOn),
        ("ALWAYS_ON", None, AlwaysOn),
        ("always_off", None, AlwaysOff),
        ("parentbased_always_on", None, ParentBasedAlwaysOn),
        ("parentbased_always_off", None, ParentBasedAlwaysOff),
        ("traceidratio", None, TraceIdRatio(1.0)),
        ("traceidratio", Some("0.25"), TraceIdRatio(0.25)),
        ("traceidratio", Some("0"), TraceIdRatio(0.0)),
        ("traceidratio", Some("1"), TraceIdRatio(1.0)),
        ("traceidratio", Some(" .5 "), TraceIdRatio(0.5)),
        ("traceidratio", Some("1e-3"), TraceIdRatio(0.001)),
        ("traceidratio", Some(""), TraceIdRatio(1.0)),
        ("parentbased_traceidratio", None, ParentBasedTraceIdRatio(1.0)),
        ("parentbased_traceidratio", Some("0.1"), ParentBasedTraceIdRatio(0.1)),
        // The argument is only read by the ratio samplers.
        ("always_on", Some("not a number"), AlwaysOn),
    ];
    for (name, arg, expected) in cases {
        let mut pairs = vec![(OTEL_TRACES_SAMPLER, *name)];
        if let Some(arg) = arg {
            pairs.push((OTEL_TRACES_SAMPLER_ARG, arg));
        }
        assert_eq!(config(&pairs).sampler, *expected, "{name} {arg:?}");
    }
    // An argument without a sampler changes nothing.
    assert_eq!(
        config(&[(OTEL_TRACES_SAMPLER_ARG, "0.5")]).sampler,
        ParentBasedAlwaysOn
    );

    for value in ["always", "ratio", "parentbased", "always_on,always_off"] {
        assert_rejected(
            OTEL_TRACES_SAMPLER,
            value,
            &[
                "always_on",
                "always_off",
                "traceidratio",
                "parentbased_always_on",
                "parentbased_always_off",
                "parentbased_traceidratio",
            ],
        );
    }
    for value in ["jaeger_remote", "parentbased_jaeger_remote", "xray", "XRay"] {
        let (var, _, expected) = invalid(&[(OTEL_TRACES_SAMPLER, value)]);
        assert_eq!(var, OTEL_TRACES_SAMPLER);
        assert!(expected.contains("not supported"), "{expected}");
    }
    for arg in [
        "-0.1", "1.01", "2", "NaN", "inf", "-inf", "half", "50%", "0,5",
    ] {
        for sampler in ["traceidratio", "parentbased_traceidratio"] {
            let pairs = [
                (OTEL_TRACES_SAMPLER, sampler),
                (OTEL_TRACES_SAMPLER_ARG, arg),
            ];
            let (var, value, expected) = invalid(&pairs);
            assert_eq!(var, OTEL_TRACES_SAMPLER_ARG, "{arg}");
            assert_eq!(value, arg);
            assert!(expected.contains("from 0 to 1"), "{expected}");
            // The sampler is kept, with the default ratio.
            let (c, _) = read(&pairs);
            assert!(
                matches!(c.sampler, TraceIdRatio(r) | ParentBasedTraceIdRatio(r) if r == 1.0),
                "{:?}",
                c.sampler
            );
        }
    }
}

#[test]
fn propagators() {
    use PropagatorKind::*;
    let cases: &[(&str, Vec<PropagatorKind>)] = &[
        ("tracecontext", vec![TraceContext]),
        ("baggage,tracecontext", vec![Baggage, TraceContext]),
        (" B3 , b3multi ,jaeger", vec![B3, B3Multi, Jaeger]),
        (
            "tracecontext,baggage,tracecontext",
            vec![TraceContext, Baggage],
        ),
        ("jaeger,,b3", vec![Jaeger, B3]),
        ("none", vec![]),
        ("NONE,none", vec![]),
    ];
    for (value, expected) in cases {
        assert_eq!(
            &config(&[(OTEL_PROPAGATORS, value)]).propagators,
            expected,
            "{value}"
        );
    }
    let accepted = ["tracecontext", "baggage", "b3", "b3multi", "jaeger", "none"];
    // Nothing usable: ignored, the default applies.
    for value in ["w3c", "b3single", ",", "none,b3"] {
        assert_rejected(OTEL_PROPAGATORS, value, &accepted);
    }
    for value in ["xray", "ottrace", "XRay"] {
        assert_rejected(OTEL_PROPAGATORS, value, &accepted);
        let (_, _, expected) = invalid(&[(OTEL_PROPAGATORS, value)]);
        assert!(expected.contains("not supported"), "{expected}");
    }
    // Unknown or unsupported names are skipped with a warning each; the known
    // ones still work, in order.
    let (c, w) = read(&[(OTEL_PROPAGATORS, "tracecontext,baggage,xray")]);
    assert_eq!(c.propagators, vec![TraceContext, Baggage]);
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].var, w[0].value.as_str()), (OTEL_PROPAGATORS, "xray"));
    assert!(w[0].expected.contains("xray is not supported"), "{}", w[0]);
    assert_eq!(w[0].fallback, "skipped; using tracecontext,baggage");
    let (c, w) = read(&[(OTEL_PROPAGATORS, "ottrace, b3 ,tracecontxt")]);
    assert_eq!(c.propagators, vec![B3]);
    assert_eq!(w.len(), 2);
    assert!(
        w[1].expected.contains("tracecontxt is not one of them"),
        "{}",
        w[1]
    );
    let (c, w) = read(&[(OTEL_PROPAGATORS, "none,xray")]);
    assert_eq!(c.propagators, vec![]);
    assert_eq!(w.len(), 1);
}

#[test]
fn batch_processor() {
    let c = config(&[
        (OTEL_BSP_SCHEDULE_DELAY, "200"),
        (OTEL_BSP_EXPORT_TIMEOUT, "1500"),
        (OTEL_BSP_MAX_QUEUE_SIZE, "4096"),
        (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, "4096"),
    ]);
    assert_eq!(
        c.batch,
        BatchConfig {
            schedule_delay: Duration::from_millis(200),
            export_timeout: Duration::from_millis(1500),
            max_queue_size: 4096,
            max_export_batch_size: 4096,
            max_queue_bytes: 64 * 1024 * 1024,
        }
    );
    // A smaller queue pulls the default batch size down with it.
    let c = config(&[(OTEL_BSP_MAX_QUEUE_SIZE, "100")]);
    assert_eq!(
        (c.batch.max_queue_size, c.batch.max_export_batch_size),
        (100, 100)
    );

    for var in [
        OTEL_BSP_SCHEDULE_DELAY,
        OTEL_BSP_EXPORT_TIMEOUT,
        OTEL_BSP_MAX_QUEUE_SIZE,
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
    ] {
        for value in ["0", "-5", "1.5", "5s", "many", "18446744073709551616"] {
            assert_rejected(var, value, &["whole number", "greater than 0"]);
        }
    }
    let (var, value, expected) = invalid(&[(OTEL_BSP_MAX_EXPORT_BATCH_SIZE, "4096")]);
    assert_eq!(
        (var, value.as_str()),
        (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, "4096")
    );
    assert!(
        expected.contains("2048") && expected.contains(OTEL_BSP_MAX_QUEUE_SIZE),
        "{expected}"
    );
    let (var, _, expected) = invalid(&[
        (OTEL_BSP_MAX_QUEUE_SIZE, "10"),
        (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, "11"),
    ]);
    assert_eq!(var, OTEL_BSP_MAX_EXPORT_BATCH_SIZE);
    assert!(expected.contains("10"), "{expected}");
}

#[test]
fn aitrace_settings_are_read_and_their_errors_wrapped() {
    let c = config(&[
        ("AITRACE_CAPTURE_CONTENT", "true"),
        ("AITRACE_SEMCONV", "ai,openinference"),
        ("AITRACE_MAX_CONTENT_BYTES", " 4096 "),
    ]);
    assert!(c.settings.capture_content());
    assert!(c.settings.dialects().openinference);
    assert!(!c.settings.dialects().gen_ai);
    assert_eq!(c.settings.max_content_bytes(), 4096);
    let c = config(&[("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")]);
    assert!(c.settings.capture_content());

    let (c, w) = read(&[("AITRACE_SEMCONV", "ai,otel")]);
    assert!(!c.settings.dialects().gen_ai);
    assert_eq!((w[0].var, w[0].value.as_str()), ("AITRACE_SEMCONV", "otel"));

    // The util-genai values of the OpenTelemetry variable.
    let capture = |v: &str| read(&[("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", v)]);
    for (value, on) in [
        ("SPAN_ONLY", true),
        ("span_and_event", true),
        ("NO_CONTENT", false),
    ] {
        let (c, w) = capture(value);
        assert_eq!(c.settings.capture_content(), on, "{value}");
        assert!(w.is_empty(), "{value}: {w:?}");
    }
    let (c, w) = capture("EVENT_ONLY");
    assert!(
        !c.settings.capture_content(),
        "aitrace has no content events"
    );
    assert_eq!(w.len(), 1);
}

#[test]
fn endpoint_precedence_signal_then_generic_then_alias_then_default() {
    let all = [
        (
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
            "http://traces:4318/custom",
        ),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://generic:4318"),
        (OTEL_ENDPOINT, "http://alias:4318"),
    ];
    let resolved =
        |pairs: &[(&str, &str)]| config(pairs).otlp.resolved_traces_endpoint().unwrap().url;
    assert_eq!(resolved(&all), "http://traces:4318/custom");
    assert_eq!(resolved(&all[1..]), "http://generic:4318/v1/traces");
    assert_eq!(resolved(&all[2..]), "http://alias:4318/v1/traces");
    assert_eq!(resolved(&[]), "http://localhost:4318/v1/traces");

    let c = config(&all[1..]);
    assert_eq!(c.otlp.endpoint.as_deref(), Some("http://generic:4318"));
    let with_grpc = |pairs: &[(&'static str, &'static str)]| {
        let mut pairs = pairs.to_vec();
        pairs.push((OTEL_EXPORTER_OTLP_PROTOCOL, "grpc"));
        resolved(&pairs)
    };
    assert_eq!(with_grpc(&all), "http://traces:4318/custom");
    assert_eq!(with_grpc(&all[1..]), "http://generic:4318");
    assert_eq!(with_grpc(&all[2..]), "http://alias:4318");
    assert_eq!(with_grpc(&[]), "http://localhost:4317");
}

#[test]
fn other_settings_follow_signal_then_generic_precedence() {
    let c = config(&[
        (OTEL_EXPORTER_OTLP_PROTOCOL, "grpc"),
        (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "http/protobuf"),
        (OTEL_EXPORTER_OTLP_TIMEOUT, "100"),
        (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, "200"),
        (OTEL_EXPORTER_OTLP_COMPRESSION, "none"),
        (OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, "gzip"),
    ]);
    assert_eq!(c.otlp.protocol, Protocol::HttpProtobuf);
    assert_eq!(c.otlp.timeout, Duration::from_millis(200));
    assert_eq!(c.otlp.compression, Compression::Gzip);
    // An invalid generic value is not read when the signal ones are set.
    let c = config(&[
        (OTEL_EXPORTER_OTLP_PROTOCOL, "http/xml"),
        (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "grpc"),
        (OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, "grpc"),
    ]);
    assert_eq!(c.otlp.protocol, Protocol::Grpc);
    // With only the traces' set, metrics read it, and say it is wrong (once).
    let (c, w) = read(&[
        (OTEL_EXPORTER_OTLP_PROTOCOL, "http/xml"),
        (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "grpc"),
    ]);
    assert_eq!(c.otlp.protocol, Protocol::Grpc);
    assert_eq!(c.metrics.otlp.protocol, Protocol::HttpProtobuf);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].var, OTEL_EXPORTER_OTLP_PROTOCOL);
    // An invalid signal value counts as unset: the generic one applies.
    let (c, w) = read(&[
        (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "http/xml"),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "grpc"),
        (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, "soon"),
        (OTEL_EXPORTER_OTLP_TIMEOUT, "250"),
    ]);
    assert_eq!(c.otlp.protocol, Protocol::Grpc);
    assert_eq!(c.otlp.timeout, Duration::from_millis(250));
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].var, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL);
    assert_eq!(
        w[0].fallback,
        format!("ignored; {OTEL_EXPORTER_OTLP_PROTOCOL} applies")
    );
    assert_eq!(w[1].var, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT);
}

fn resolve(otlp: &OtlpConfig) -> Result<ResolvedEndpoint, ConfigWarning> {
    otlp.resolved_traces_endpoint()
}

fn otlp(
    endpoint: Option<&str>,
    traces: Option<&str>,
    protocol: Protocol,
    insecure: bool,
) -> OtlpConfig {
    OtlpConfig {
        endpoint: endpoint.map(str::to_string),
        traces_endpoint: traces.map(str::to_string),
        protocol,
        insecure,
        ..OtlpConfig::default()
    }
}

#[test]
fn resolved_traces_endpoint_table() {
    use Protocol::{Grpc, HttpProtobuf as Http};
    // (generic endpoint, traces endpoint, protocol, insecure, resolved URL)
    type Case = (
        Option<&'static str>,
        Option<&'static str>,
        Protocol,
        bool,
        &'static str,
    );
    #[rustfmt::skip]
    let cases: &[Case] = &[
        (None, None, Http, false, "http://localhost:4318/v1/traces"),
        (None, None, Grpc, false, "http://localhost:4317"),
        (Some("http://c:4318"), None, Http, false, "http://c:4318/v1/traces"),
        (Some("http://c:4318/"), None, Http, false, "http://c:4318/v1/traces"),
        (Some("https://c/otlp"), None, Http, false, "https://c/otlp/v1/traces"),
        (Some("https://c/otlp/"), None, Http, false, "https://c/otlp/v1/traces"),
        (Some("https://c/otlp?tenant=a"), None, Http, false, "https://c/otlp/v1/traces?tenant=a"),
        (Some("HTTPS://C:443"), None, Http, false, "https://C:443/v1/traces"),
        (Some("http://[::1]:4318"), None, Http, false, "http://[::1]:4318/v1/traces"),
        (Some("http://c:4317"), None, Grpc, false, "http://c:4317"),
        (Some("https://c:443/"), None, Grpc, false, "https://c:443/"),
        // No scheme: https unless insecure.
        (Some("collector:4318"), None, Http, false, "https://collector:4318/v1/traces"),
        (Some("collector:4318"), None, Http, true, "http://collector:4318/v1/traces"),
        (Some("collector:4317"), None, Grpc, true, "http://collector:4317"),
        (Some("collector:4317"), None, Grpc, false, "https://collector:4317"),
        // The traces endpoint is used as given, whatever the protocol.
        (Some("http://generic:4318"), Some("http://t:4318/x"), Http, false, "http://t:4318/x"),
        (None, Some("http://t:4318"), Http, false, "http://t:4318"),
        (None, Some("http://t:4318/v1/traces"), Http, false, "http://t:4318/v1/traces"),
        (None, Some("t:4317"), Grpc, true, "http://t:4317"),
        (None, Some("t:4317"), Grpc, false, "https://t:4317"),
        // Blank values set in code count as unset.
        (Some(" "), Some(""), Http, false, "http://localhost:4318/v1/traces"),
    ];
    for (endpoint, traces, protocol, insecure, expected) in cases {
        let r = resolve(&otlp(*endpoint, *traces, *protocol, *insecure)).unwrap();
        assert_eq!(
            r.url, *expected,
            "{endpoint:?} {traces:?} {protocol:?} {insecure}"
        );
        assert_eq!(r.warning, None, "{endpoint:?}");
    }
}

#[test]
fn a_generic_endpoint_ending_in_v1_traces_is_doubled_with_a_warning() {
    for base in ["http://c:4318/v1/traces", "http://c:4318/v1/traces/"] {
        let r = resolve(&otlp(Some(base), None, Protocol::HttpProtobuf, false)).unwrap();
        assert_eq!(r.url, "http://c:4318/v1/traces/v1/traces");
        let warning = r.warning.expect("a warning");
        assert!(warning.contains("/v1/traces/v1/traces"), "{warning}");
        assert!(
            warning.contains(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
            "{warning}"
        );
    }
    // gRPC uses it as is, without a warning.
    let r = resolve(&otlp(
        Some("http://c:4317/v1/traces"),
        None,
        Protocol::Grpc,
        false,
    ))
    .unwrap();
    assert_eq!(
        r,
        ResolvedEndpoint {
            url: "http://c:4317/v1/traces".into(),
            warning: None
        }
    );
}

#[test]
fn bad_endpoints_are_errors_naming_the_variable() {
    let bad = [
        "ftp://collector:21",
        "unix:///var/run/otel.sock",
        "http://",
        "http:///v1/traces",
        "http://:4318",
        "http://collector:",
        "http://collector:port",
        "http://collector:70000",
        "http://col lector:4318",
        "http://collector:4318/v1/tr aces",
        "http://collector:4318/\u{7}bell",
        "http://[::1:4318",
        "http://[zz]:4318",
        "http://[::1]x",
        "http://coll^ector",
        "::1:4317",
    ];
    for value in bad {
        // From code.
        for (endpoint, traces, var) in [
            (Some(value), None, OTEL_EXPORTER_OTLP_ENDPOINT),
            (None, Some(value), OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
        ] {
            for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
                match resolve(&otlp(endpoint, traces, protocol, false)) {
                    Err(w) => {
                        assert_eq!(w.var, var, "{value:?}");
                        assert!(w.expected.contains("http:// or https://"), "{}", w.expected);
                    }
                    other => panic!("{value:?} should be rejected, got {other:?}"),
                }
                // The gate drops it (with the same warning): the default applies.
                let mut checked = otlp(endpoint, traces, protocol, false);
                let warnings = checked.validate();
                assert_eq!(warnings.len(), 1, "{value:?}");
                assert_eq!(warnings[0].var, var);
                assert!(resolve(&checked).is_ok());
            }
        }
        // From the environment, naming the variable that held it.
        for var in [
            OTEL_EXPORTER_OTLP_ENDPOINT,
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
            OTEL_ENDPOINT,
        ] {
            let (c, w) = read(&[(var, value)]);
            assert_eq!((w.len(), w[0].var), (1, var), "{value:?}");
            assert!(!c.has_endpoint(), "{value:?} is treated as unset");
        }
    }
    let (_, _, expected) = invalid(&[(OTEL_EXPORTER_OTLP_ENDPOINT, "grpc://c:4317")]);
    assert!(
        expected.contains("scheme must be http or https"),
        "{expected}"
    );
}

#[test]
fn credentials_in_an_endpoint_are_rejected_without_being_shown() {
    let (c, w) = read(&[(
        OTEL_EXPORTER_OTLP_ENDPOINT,
        "https://user:pa55word@collector:4318",
    )]);
    let shown = format!("{} {w:?} {c:?}", w[0]);
    assert!(!shown.contains("pa55word"), "{shown}");
    assert!(shown.contains(OTEL_EXPORTER_OTLP_HEADERS), "{shown}");
}

#[test]
fn the_standard_endpoint_wins_over_the_alias() {
    let c = config(&[
        (OTEL_ENDPOINT, "http://alias:4318"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://standard:4318"),
    ]);
    assert_eq!(c.otlp.endpoint.as_deref(), Some("http://standard:4318"));
    // The alias is not read when the standard variable is set, even if it is invalid.
    let c = config(&[
        (OTEL_ENDPOINT, "ftp://alias"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "http://standard:4318"),
    ]);
    assert_eq!(c.otlp.endpoint.as_deref(), Some("http://standard:4318"));
}

#[test]
fn scheme_less_endpoints_from_the_environment_follow_insecure() {
    let c = config(&[
        (OTEL_EXPORTER_OTLP_ENDPOINT, "collector:4317"),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "grpc"),
        (OTEL_EXPORTER_OTLP_INSECURE, "true"),
    ]);
    assert_eq!(
        c.otlp.resolved_traces_endpoint().unwrap().url,
        "http://collector:4317"
    );
    let c = config(&[
        (OTEL_EXPORTER_OTLP_ENDPOINT, "collector:4317"),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "grpc"),
    ]);
    assert_eq!(
        c.otlp.resolved_traces_endpoint().unwrap().url,
        "https://collector:4317"
    );
}

#[test]
fn every_warning_names_its_variable_and_what_is_accepted() {
    let cases: &[(&str, &str)] = &[
        (OTEL_SDK_DISABLED, "maybe"),
        (OTEL_RESOURCE_ATTRIBUTES, "oops"),
        (OTEL_TRACES_EXPORTER, "zipkin"),
        (OTEL_EXPORTER_OTLP_ENDPOINT, "ftp://x"),
        (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "ftp://x"),
        (OTEL_ENDPOINT, "ftp://x"),
        (OTEL_EXPORTER_OTLP_PROTOCOL, "udp"),
        (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "udp"),
        (OTEL_EXPORTER_OTLP_HEADERS, "oops"),
        (OTEL_EXPORTER_OTLP_TRACES_HEADERS, "oops"),
        (OTEL_EXPORTER_OTLP_TIMEOUT, "soon"),
        (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, "soon"),
        (OTEL_EXPORTER_OTLP_COMPRESSION, "zip"),
        (OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, "zip"),
        (OTEL_EXPORTER_OTLP_CERTIFICATE, "/missing-ca.pem"),
        (OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE, "/missing-ca.pem"),
        (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, "/only-cert.pem"),
        (
            OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE,
            "/only-cert.pem",
        ),
        (OTEL_EXPORTER_OTLP_CLIENT_KEY, "/only-key.pem"),
        (OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY, "/only-key.pem"),
        (OTEL_EXPORTER_OTLP_INSECURE, "maybe"),
        (OTEL_EXPORTER_OTLP_TRACES_INSECURE, "maybe"),
        (OTEL_TRACES_SAMPLER, "sometimes"),
        (OTEL_PROPAGATORS, "smoke-signals"),
        (OTEL_BSP_SCHEDULE_DELAY, "0"),
        (OTEL_BSP_EXPORT_TIMEOUT, "0"),
        (OTEL_BSP_MAX_QUEUE_SIZE, "0"),
        (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, "0"),
        (AITRACE_STRICT_CONFIG, "maybe"),
        (AITRACE_MAX_QUEUE_BYTES, "lots"),
        (AITRACE_MAX_REQUEST_BYTES, "1024"),
        (AITRACE_SHUTDOWN_TIMEOUT, "0"),
        (OTEL_METRICS_EXPORTER, "prometheus"),
        (OTEL_METRIC_EXPORT_INTERVAL, "0"),
        (OTEL_METRIC_EXPORT_TIMEOUT, "soon"),
        (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, "ftp://x"),
        (OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, "udp"),
        (OTEL_EXPORTER_OTLP_METRICS_HEADERS, "oops"),
        (OTEL_EXPORTER_OTLP_METRICS_TIMEOUT, "soon"),
        (OTEL_EXPORTER_OTLP_METRICS_COMPRESSION, "zip"),
        (OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE, "/missing-ca.pem"),
        (
            OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE,
            "/only-cert.pem",
        ),
        (OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY, "/only-key.pem"),
        (OTEL_EXPORTER_OTLP_METRICS_INSECURE, "maybe"),
        (
            OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE,
            "sometimes",
        ),
    ];
    for (var, value) in cases {
        let (_, warnings) = read(&[(var, value)]);
        assert!(!warnings.is_empty(), "{var}={value}");
        let shown = warnings[0].to_string();
        assert_eq!(warnings[0].var, *var, "{shown}");
        assert!(shown.contains(var), "{shown}");
        assert!(shown.contains("expected"), "{shown}");
        if !var.contains("HEADERS") {
            assert!(shown.contains(value), "{shown}");
        }
    }
    // The sampler argument needs a ratio sampler to be read.
    let (var, _, _) = invalid(&[
        (OTEL_TRACES_SAMPLER, "traceidratio"),
        (OTEL_TRACES_SAMPLER_ARG, "lots"),
    ]);
    assert_eq!(var, OTEL_TRACES_SAMPLER_ARG);
    // Every variable in ENV_VARIABLES is covered above (OTEL_SERVICE_NAME accepts
    // any non-empty value).
    for var in ENV_VARIABLES {
        let covered = cases.iter().any(|(v, _)| v == var)
            || [OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER_ARG].contains(var);
        assert!(covered, "{var} has no warning case");
    }
}

/// aitrace's own limits of the pipeline: the queue's byte budget, the request
/// size and the shutdown timeout, with their defaults and their lower bounds.
#[test]
fn pipeline_limits_are_read_with_their_defaults_and_bounds() {
    let c = config(&[]);
    assert_eq!(c.batch.max_queue_bytes, DEFAULT_MAX_QUEUE_BYTES);
    assert_eq!(c.otlp.max_request_bytes, DEFAULT_MAX_REQUEST_BYTES);
    assert_eq!(c.shutdown_timeout, Duration::from_secs(2));
    let c = config(&[
        (AITRACE_MAX_QUEUE_BYTES, "16777216"),
        (AITRACE_MAX_REQUEST_BYTES, " 1048576 "),
        (AITRACE_SHUTDOWN_TIMEOUT, "500"),
    ]);
    assert_eq!(c.batch.max_queue_bytes, 16 << 20);
    assert_eq!(c.otlp.max_request_bytes, 1 << 20);
    assert_eq!(c.shutdown_timeout, Duration::from_millis(500));
    for (var, value, expected) in [
        (AITRACE_MAX_QUEUE_BYTES, "65535", "at least 65536"),
        (AITRACE_MAX_REQUEST_BYTES, "-1", "at least 65536"),
        (AITRACE_SHUTDOWN_TIMEOUT, "soon", "greater than 0"),
    ] {
        let (c, w) = read(&[(var, value)]);
        assert_eq!(w.len(), 1, "{var}={value}");
        assert!(w[0].to_string().contains(expected), "{}", w[0]);
        assert_eq!(c.batch.max_queue_bytes, DEFAULT_MAX_QUEUE_BYTES);
        assert_eq!(c.otlp.max_request_bytes, DEFAULT_MAX_REQUEST_BYTES);
        assert_eq!(c.shutdown_timeout, DEFAULT_SHUTDOWN_TIMEOUT);
    }
    // Set in code, the same bounds apply.
    let mut c = Config::default();
    c.batch.max_queue_bytes = 10;
    c.otlp.max_request_bytes = 10;
    c.shutdown_timeout = Duration::ZERO;
    let vars: Vec<&str> = c.validate().iter().map(|w| w.var).collect();
    assert_eq!(
        vars,
        [
            AITRACE_MAX_REQUEST_BYTES,
            AITRACE_MAX_QUEUE_BYTES,
            AITRACE_SHUTDOWN_TIMEOUT
        ]
    );
    assert_eq!(
        (
            c.batch.max_queue_bytes,
            c.otlp.max_request_bytes,
            c.shutdown_timeout
        ),
        (
            DEFAULT_MAX_QUEUE_BYTES,
            DEFAULT_MAX_REQUEST_BYTES,
            DEFAULT_SHUTDOWN_TIMEOUT
        )
    );
}

#[test]
fn variable_constants_are_their_own_names() {
    assert_eq!(ENV_VARIABLES.len(), 46);
    for var in ENV_VARIABLES {
        assert!(
            var.starts_with("OTEL_") || var.starts_with("AITRACE_"),
            "{var}"
        );
        assert_eq!(
            ENV_VARIABLES.iter().filter(|v| *v == var).count(),
            1,
            "{var} listed twice"
        );
    }
    assert_eq!(OTEL_SDK_DISABLED, aitrace::ENV_SDK_DISABLED);
}

#[test]
fn headers_the_transport_sets_itself_are_refused() {
    for key in [
        "content-type",
        "Content-Encoding",
        "te",
        "grpc-timeout",
        "host",
    ] {
        let value = format!("x-team=ai,{key}=v");
        let (c, w) = read(&[(OTEL_EXPORTER_OTLP_HEADERS, &value)]);
        let e = w[0].to_string();
        assert!(
            e.contains(OTEL_EXPORTER_OTLP_HEADERS) && e.contains("entry 2") && e.contains(key),
            "{e}"
        );
        assert_eq!(
            c.otlp.headers,
            headers(&[("x-team", "ai")]),
            "the other entry is kept"
        );
    }
}
