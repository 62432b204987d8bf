//! Checks of the bundled collector set-up (`otel-config.yaml`, `docker-compose.yml` at
//! the repository root) that run without Docker: the collector pipelines only name
//! components that are defined and every defined component is used, the ports agree
//! between the two files, and the compose file is valid against the Compose
//! specification (with `check-jsonschema`, installed by `scripts/install_peers.sh`).
//! The metrics path (collector → Prometheus → Grafana) holds together, and every
//! query of the provisioned dashboard names only metrics and labels aitrace emits,
//! as the collector's Prometheus exporter names them.

#[path = "../../crates/aitrace-sdk/tests/support/peers.rs"]
mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

const SECTIONS: [&str; 3] = ["receivers", "processors", "exporters"];

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name)
}

fn load(name: &str) -> Yaml {
    let path = repo_file(name);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut docs = YamlLoader::load_from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{name}: expected one YAML document");
    docs.remove(0)
}

fn keys(map: &Yaml) -> BTreeSet<String> {
    map.as_hash()
        .map(|h| {
            h.keys()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn str_list(list: &Yaml) -> Vec<String> {
    list.as_vec()
        .map(|v| {
            v.iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// (pipeline name, pipeline) pairs of `service.pipelines`.
fn pipelines(config: &Yaml) -> Vec<(String, Yaml)> {
    let pipelines = config["service"]["pipelines"]
        .as_hash()
        .expect("otel-config.yaml has service.pipelines");
    pipelines
        .iter()
        .map(|(k, v)| (k.as_str().expect("pipeline name").to_owned(), v.clone()))
        .collect()
}

#[test]
fn pipelines_only_use_defined_components() {
    let config = load("otel-config.yaml");
    assert!(!pipelines(&config).is_empty());
    for (name, pipeline) in pipelines(&config) {
        let signal = name.split('/').next().unwrap();
        assert!(
            ["traces", "metrics", "logs"].contains(&signal),
            "pipeline {name}: unknown signal {signal}"
        );
        for section in SECTIONS {
            let defined = keys(&config[section]);
            let used = str_list(&pipeline[section]);
            if section != "processors" {
                assert!(!used.is_empty(), "pipeline {name} has no {section}");
            }
            for component in used {
                assert!(
                    defined.contains(&component),
                    "pipeline {name} uses {section} {component:?}, which is not defined (defined: {defined:?})"
                );
            }
        }
    }
}

#[test]
fn every_defined_component_is_used() {
    let config = load("otel-config.yaml");
    for section in SECTIONS {
        let used: BTreeSet<String> = pipelines(&config)
            .iter()
            .flat_map(|(_, p)| str_list(&p[section]))
            .collect();
        let defined = keys(&config[section]);
        assert!(!defined.is_empty(), "no {section} defined");
        let unused: Vec<_> = defined.difference(&used).collect();
        assert!(
            unused.is_empty(),
            "{section} defined but in no pipeline: {unused:?}"
        );
    }
}

#[test]
fn processors_are_in_a_sound_order() {
    let config = load("otel-config.yaml");
    for (name, pipeline) in pipelines(&config) {
        let processors = str_list(&pipeline["processors"]);
        assert_eq!(
            processors.first().map(String::as_str),
            Some("memory_limiter"),
            "pipeline {name}: memory_limiter must come first"
        );
        assert_eq!(
            processors.last().map(String::as_str),
            Some("batch"),
            "pipeline {name}: batch must come last"
        );
    }
}

#[test]
fn exporters_point_at_jaeger_and_honeycomb() {
    let config = load("otel-config.yaml");
    let compose = load("docker-compose.yml");
    let exporters = &config["exporters"];

    let jaeger = &exporters["otlp/jaeger"];
    assert_eq!(jaeger["endpoint"].as_str(), Some("jaeger:4317"));
    assert_eq!(jaeger["tls"]["insecure"].as_bool(), Some(true));
    assert!(
        !compose["services"]["jaeger"].is_badvalue(),
        "the collector exports to host 'jaeger', a compose service"
    );

    let honeycomb = &exporters["otlp/honeycomb"];
    assert_eq!(honeycomb["endpoint"].as_str(), Some("api.honeycomb.io:443"));
    assert_eq!(
        honeycomb["headers"]["x-honeycomb-team"].as_str(),
        Some("${env:HONEYCOMB_API_KEY}")
    );

    // The default pipeline does not send to Honeycomb; the Honeycomb pipeline is
    // gated by a processor that reads the key.
    let all = pipelines(&config);
    let (default, _) = all
        .iter()
        .find(|(n, _)| n == "traces")
        .expect("a traces pipeline");
    for (name, pipeline) in &all {
        let exporters = str_list(&pipeline["exporters"]);
        if !exporters.iter().any(|e| e == "otlp/honeycomb") {
            continue;
        }
        assert_ne!(name, default, "Honeycomb must be in its own pipeline");
        assert_eq!(exporters, ["otlp/honeycomb"]);
        let gated = str_list(&pipeline["processors"]).iter().any(|p| {
            format!("{:?}", config["processors"][p.as_str()]).contains("${env:HONEYCOMB_API_KEY}")
        });
        assert!(
            gated,
            "pipeline {name} has no processor gated on HONEYCOMB_API_KEY"
        );
    }
    // compose always passes the variable, empty when unset
    let env = &collector_service(&compose)["environment"];
    assert_eq!(
        env["HONEYCOMB_API_KEY"].as_str(),
        Some("${HONEYCOMB_API_KEY:-}")
    );
}

/// The compose service running the collector image.
fn collector_service(compose: &Yaml) -> &Yaml {
    let services = compose["services"].as_hash().expect("compose services");
    let found: Vec<_> = services
        .values()
        .filter(|s| {
            s["image"]
                .as_str()
                .is_some_and(|i| i.contains("opentelemetry-collector"))
        })
        .collect();
    assert_eq!(found.len(), 1, "expected one collector service");
    found[0]
}

/// (host port, container port) of each TCP port a service publishes, from the short
/// syntax (`[IP:]HOST:CONTAINER[/tcp]`, `CONTAINER`) or the long syntax.
fn published(service: &Yaml) -> Vec<(u16, u16)> {
    let port = |y: &Yaml| -> u16 {
        y.as_i64()
            .map(|i| i as u16)
            .or_else(|| y.as_str().and_then(|s| s.parse().ok()))
            .expect("a port number")
    };
    service["ports"]
        .as_vec()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|entry| {
            if let Some(spec) = entry.as_str() {
                let spec = spec.strip_suffix("/tcp").unwrap_or(spec);
                let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
                let container: u16 = parts[0].parse().expect("container port");
                let host = parts
                    .get(1)
                    .map_or(container, |h| h.parse().expect("host port"));
                (host, container)
            } else if entry.as_i64().is_some() {
                (port(entry), port(entry))
            } else {
                (port(&entry["published"]), port(&entry["target"]))
            }
        })
        .collect()
}

/// Port of an endpoint such as `0.0.0.0:4317`.
fn endpoint_port(endpoint: &Yaml) -> u16 {
    let endpoint = endpoint.as_str().expect("endpoint string");
    endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {endpoint}"))
}

#[test]
fn published_ports_match_the_collector_config() {
    let config = load("otel-config.yaml");
    let compose = load("docker-compose.yml");
    let protocols = &config["receivers"]["otlp"]["protocols"];
    let grpc = endpoint_port(&protocols["grpc"]["endpoint"]);
    let http = endpoint_port(&protocols["http"]["endpoint"]);
    assert_eq!((grpc, http), (4317, 4318));
    for protocol in ["grpc", "http"] {
        let endpoint = protocols[protocol]["endpoint"].as_str().unwrap();
        assert!(
            endpoint.starts_with("0.0.0.0:"),
            "{protocol} receiver must listen on all interfaces inside the container: {endpoint}"
        );
    }

    let collector = collector_service(&compose);
    let ports = published(collector);
    for port in [grpc, http] {
        assert!(
            ports.contains(&(port, port)),
            "collector must publish {port}:{port}, publishes {ports:?}"
        );
    }

    // the configuration file the collector is started with is otel-config.yaml
    let command = str_list(&collector["command"]);
    let config_path = command
        .iter()
        .find_map(|a| a.strip_prefix("--config="))
        .expect("collector command has --config=");
    let mounts = str_list(&collector["volumes"]);
    assert!(
        mounts
            .iter()
            .any(|m| m.starts_with(&format!("./otel-config.yaml:{config_path}"))),
        "{config_path} is not mounted from ./otel-config.yaml: {mounts:?}"
    );

    let jaeger = published(&compose["services"]["jaeger"]);
    assert!(
        jaeger.contains(&(16686, 16686)),
        "Jaeger UI 16686 not published: {jaeger:?}"
    );
    // Jaeger's OTLP ports stay inside the compose network (the collector owns 4317/4318).
    assert!(jaeger.iter().all(|&(h, _)| h != 4317 && h != 4318));
}

#[test]
fn images_are_pinned() {
    let compose = load("docker-compose.yml");
    for (name, service) in compose["services"].as_hash().unwrap() {
        let image = service["image"].as_str().expect("image");
        let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or("");
        // `1.2.3` or `v1.2.3` (Prometheus tags its images so), never `latest`.
        let version = tag.strip_prefix('v').unwrap_or(tag);
        assert!(
            version.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "service {name:?}: image {image} is not pinned to a version"
        );
    }
}

fn check_jsonschema() -> String {
    support::install_peer("check-jsonschema", "check-jsonschema")
}

fn validate(bin: &str, file: &Path) -> (bool, String) {
    let out = Command::new(bin)
        .args(["--builtin-schema", "vendor.compose-spec"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn compose_file_is_valid_against_the_compose_spec() {
    let bin = check_jsonschema();
    let compose = repo_file("docker-compose.yml");
    let (ok, output) = validate(&bin, &compose);
    assert!(ok, "docker-compose.yml fails the Compose schema:\n{output}");

    // The check can fail: a misspelt key in a copy is rejected.
    let dir = std::env::temp_dir().join(format!("aitrace-compose-check-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("docker-compose.yml");
    let text = fs::read_to_string(&compose).unwrap();
    assert!(text.contains("\n    ports:"));
    fs::write(&broken, text.replacen("\n    ports:", "\n    portz:", 1)).unwrap();
    let (ok, output) = validate(&bin, &broken);
    let _ = fs::remove_dir_all(&dir);
    assert!(!ok, "a broken compose file passed:\n{output}");
    assert!(output.contains("portz"), "{output}");
}

/// The tail-sampling policies mirror the in-process keep rules of docs/sampling.md.
#[test]
fn tail_sampling_policies_match_the_keep_rules() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../otel-config.yaml"),
    )
    .unwrap();
    let doc = &yaml_rust2::YamlLoader::load_from_str(&text).unwrap()[0];
    let ts = &doc["processors"]["tail_sampling"];
    let policies = ts["policies"].as_vec().expect("tail_sampling.policies");
    let kinds: Vec<&str> = policies
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    for want in [
        "status_code",
        "latency",
        "boolean_attribute",
        "numeric_attribute",
        "probabilistic",
    ] {
        assert!(kinds.contains(&want), "missing a {want} policy: {kinds:?}");
    }
    let guard = policies
        .iter()
        .find(|p| p["type"].as_str() == Some("boolean_attribute"))
        .unwrap();
    assert_eq!(
        guard["boolean_attribute"]["key"].as_str(),
        Some("ai.guardrail.triggered")
    );
    assert_eq!(guard["boolean_attribute"]["value"].as_bool(), Some(true));
    let cost = policies
        .iter()
        .find(|p| p["type"].as_str() == Some("numeric_attribute"))
        .unwrap();
    assert_eq!(
        cost["numeric_attribute"]["key"].as_str(),
        Some("ai.cost_microcents")
    );
    let errors = policies
        .iter()
        .find(|p| p["type"].as_str() == Some("status_code"))
        .unwrap();
    assert_eq!(
        errors["status_code"]["status_codes"][0].as_str(),
        Some("ERROR")
    );
    let pipeline = doc["service"]["pipelines"]["traces"]["processors"]
        .as_vec()
        .unwrap();
    let names: Vec<&str> = pipeline.iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(names, ["memory_limiter", "tail_sampling", "batch"]);
}

/// The name the collector's Prometheus exporter gives an instrument, by the
/// default translation of the collector version pinned in docker-compose.yml
/// (`otel/opentelemetry-collector-contrib:0.142.0`, translation strategy
/// `UnderscoreEscapingWithSuffixes`): the name split at every character other
/// than a letter, digit or `:`, and joined with `_`; the unit (before any `/`) as
/// a suffix unless it is a `{…}` annotation or already a word of the name, `s`
/// spelt `seconds`, other units kept as written (`USD`); `_total` on counters.
fn prometheus_name(n: &aitrace::metrics::names::InstrumentName) -> String {
    let valid = |c: char| c.is_ascii_alphanumeric() || c == ':';
    let mut words: Vec<String> = n
        .name
        .split(|c: char| !valid(c))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let main = n.unit.split('/').next().unwrap_or("").trim();
    if !main.is_empty() && !main.contains(['{', '}']) {
        let unit = match main {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => "",
            other => other,
        };
        let unit: String = unit
            .chars()
            .map(|c| if valid(c) { c } else { '_' })
            .collect();
        if !unit.is_empty() && !words.contains(&unit) {
            words.push(unit);
        }
    }
    if n.instrument == "counter" {
        words.retain(|w| w != "total");
        words.push("total".into());
    }
    words.join("_")
}

/// A label: the attribute key with `_` for every character Prometheus does not allow.
fn prometheus_label(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Every series name aitrace's metrics have in Prometheus (histograms as their
/// `_bucket`, `_sum` and `_count` series), and every label they carry.
fn emitted() -> (BTreeSet<String>, BTreeSet<String>) {
    use aitrace::metrics::names::{self, attr};
    let mut series = BTreeSet::new();
    for n in names::ALL {
        let name = prometheus_name(n);
        if n.instrument == "histogram" {
            for part in ["bucket", "sum", "count"] {
                series.insert(format!("{name}_{part}"));
            }
        } else {
            series.insert(name);
        }
    }
    let labels: BTreeSet<String> = [
        attr::TOKEN_TYPE,
        attr::OPERATION_NAME,
        attr::PROVIDER_NAME,
        attr::REQUEST_MODEL,
        attr::RESPONSE_MODEL,
        attr::SERVER_ADDRESS,
        attr::SERVER_PORT,
        attr::ERROR_TYPE,
        attr::TOOL_NAME,
        attr::TOOL_TYPE,
        attr::AGENT_NAME,
        attr::GUARDRAIL_NAME,
        attr::GUARDRAIL_TYPE,
        attr::GUARDRAIL_TRIGGERED,
        // resource attributes (resource_to_telemetry_conversion) and Prometheus's own
        "service.name",
        "job",
        "instance",
        "le",
    ]
    .iter()
    .map(|k| prometheus_label(k))
    .collect();
    (series, labels)
}

#[test]
fn prometheus_names_follow_the_collectors_translation() {
    use aitrace::metrics::names;
    // The rules, on the instruments docs/metrics.md lists with their names.
    let doc = fs::read_to_string(repo_file("docs/metrics.md")).unwrap();
    for n in names::ALL {
        let row = format!("| `{}` | `{}` |", n.name, prometheus_name(n));
        assert!(doc.contains(&row), "docs/metrics.md lacks the row {row}");
    }
    assert_eq!(
        prometheus_name(&names::OPERATION_DURATION),
        "gen_ai_client_operation_duration_seconds"
    );
    assert_eq!(
        prometheus_name(&names::TOKEN_USAGE),
        "gen_ai_client_token_usage"
    );
    assert_eq!(prometheus_name(&names::COST), "ai_client_cost_USD_total");
    assert_eq!(
        prometheus_name(&names::GUARDRAIL_CHECKS),
        "ai_guardrail_checks_total"
    );
}

/// Words of a PromQL expression that are not metric or label names.
const PROMQL_WORDS: &[&str] = &[
    "sum",
    "by",
    "without",
    "rate",
    "increase",
    "histogram_quantile",
    "avg",
    "max",
    "min",
    "count",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "clamp_min",
];

/// The metric and label names an expression refers to: its words outside
/// strings, `[…]` ranges and `$variables`, less PromQL's own words and numbers.
fn promql_names(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = expr.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<String>| {
        let w = std::mem::take(word);
        let number = w.chars().next().is_some_and(|c| c.is_ascii_digit());
        if !w.is_empty() && !number && !PROMQL_WORDS.contains(&w.as_str()) {
            out.push(w);
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                flush(&mut word, &mut out);
                for d in chars.by_ref() {
                    if d == '"' {
                        break;
                    }
                }
            }
            '[' => {
                flush(&mut word, &mut out);
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                }
            }
            '$' => {
                flush(&mut word, &mut out);
                while chars
                    .peek()
                    .is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_')
                {
                    chars.next();
                }
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '.' => word.push(c),
            _ => flush(&mut word, &mut out),
        }
    }
    flush(&mut word, &mut out);
    out
}

fn dashboard() -> serde_json::Value {
    let path = repo_file("grafana/dashboards/aitrace-genai.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[test]
fn every_dashboard_query_names_metrics_and_labels_aitrace_emits() {
    let (series, labels) = emitted();
    let d = dashboard();
    let panels = d["panels"].as_array().expect("panels");
    let mut used_series = BTreeSet::new();
    for p in panels {
        let title = p["title"].as_str().unwrap_or("?");
        assert_eq!(p["datasource"]["uid"], "prometheus", "{title}");
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no query");
        for t in targets {
            let expr = t["expr"].as_str().expect("expr");
            let names = promql_names(expr);
            let metrics: Vec<&String> = names.iter().filter(|n| series.contains(*n)).collect();
            assert!(!metrics.is_empty(), "{title}: no aitrace metric in {expr}");
            for n in &names {
                assert!(
                    series.contains(n) || labels.contains(n),
                    "{title}: {n:?} in {expr} is neither a metric nor a label aitrace emits \
                     (metrics: {series:?}; labels: {labels:?})"
                );
            }
            used_series.extend(metrics.into_iter().cloned());
        }
    }
    // The check can fail: a misspelt metric is caught.
    let wrong = promql_names("sum(rate(gen_ai_client_operation_duration_count[5m]))");
    assert!(!wrong.iter().any(|n| series.contains(n)));
    // The panels the dashboard promises (docs/metrics.md).
    let titles: Vec<&str> = panels.iter().filter_map(|p| p["title"].as_str()).collect();
    for want in [
        "Tokens per model",
        "Cost per model",
        "Model call duration p50 / p95",
        "Time to first chunk p50 / p95",
        "Model call error rate",
        "Tool call duration p50 / p95",
        "Guardrail checks and trips",
    ] {
        assert!(titles.contains(&want), "no panel {want:?}: {titles:?}");
    }
    for want in [
        "gen_ai_client_token_usage_sum",
        "ai_client_cost_USD_total",
        "gen_ai_client_operation_duration_seconds_bucket",
        "gen_ai_client_operation_time_to_first_chunk_seconds_bucket",
        "ai_tool_duration_seconds_bucket",
        "ai_guardrail_checks_total",
    ] {
        assert!(used_series.contains(want), "no query of {want}");
    }
}

#[test]
fn metrics_flow_from_the_collector_through_prometheus_to_grafana() {
    let config = load("otel-config.yaml");
    let compose = load("docker-compose.yml");
    // A metrics pipeline from the OTLP receiver to the Prometheus exporter.
    let all = pipelines(&config);
    let (_, metrics) = all
        .iter()
        .find(|(n, _)| n == "metrics")
        .expect("a metrics pipeline");
    assert_eq!(str_list(&metrics["receivers"]), ["otlp"]);
    assert!(str_list(&metrics["exporters"]).contains(&"prometheus".to_string()));
    let exporter_port = endpoint_port(&config["exporters"]["prometheus"]["endpoint"]);

    // Prometheus scrapes it, by the collector's service name.
    let services = compose["services"].as_hash().unwrap();
    let collector_name = services
        .iter()
        .find(|(_, s)| std::ptr::eq(*s, collector_service(&compose)))
        .and_then(|(k, _)| k.as_str())
        .unwrap()
        .to_owned();
    let prometheus = &compose["services"]["prometheus"];
    let mounts = str_list(&prometheus["volumes"]);
    assert!(
        mounts.iter().any(|m| m.starts_with("./prometheus.yml:")),
        "{mounts:?}"
    );
    let scrape = load("prometheus.yml");
    let targets: Vec<String> = scrape["scrape_configs"]
        .as_vec()
        .expect("scrape_configs")
        .iter()
        .flat_map(|c| c["static_configs"].as_vec().cloned().unwrap_or_default())
        .flat_map(|s| str_list(&s["targets"]))
        .collect();
    assert!(
        targets.contains(&format!("{collector_name}:{exporter_port}")),
        "Prometheus scrapes {targets:?}, not {collector_name}:{exporter_port}"
    );
    assert!(published(prometheus).contains(&(9090, 9090)));

    // Grafana: the Prometheus data source the dashboard names, and the dashboard.
    let grafana = &compose["services"]["grafana"];
    let mounts = str_list(&grafana["volumes"]);
    for dir in ["./grafana/provisioning:", "./grafana/dashboards:"] {
        assert!(mounts.iter().any(|m| m.starts_with(dir)), "{mounts:?}");
    }
    assert!(published(grafana).contains(&(3000, 3000)));
    let sources = load("grafana/provisioning/datasources/prometheus.yml");
    let source = &sources["datasources"][0];
    assert_eq!(source["uid"].as_str(), Some("prometheus"));
    assert_eq!(source["url"].as_str(), Some("http://prometheus:9090"));
    let providers = load("grafana/provisioning/dashboards/aitrace.yml");
    let path = providers["providers"][0]["options"]["path"]
        .as_str()
        .expect("a dashboard path");
    let mount = mounts
        .iter()
        .find(|m| m.starts_with("./grafana/dashboards:"))
        .unwrap();
    assert!(mount.contains(&format!(":{path}")), "{mount} vs {path}");
    assert_eq!(dashboard()["uid"], "aitrace-genai");
}
