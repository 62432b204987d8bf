//! Checks of the bundled collector set-up (`otel-config.yaml`, `docker-compose.yml` at
//! the repository root) that run without Docker: the collector pipelines only name
//! components that are defined and every defined component is used, the ports agree
//! between the two files, and the compose file is valid against the Compose
//! specification (with `check-jsonschema`, installed by `scripts/install_peers.sh`).

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
        assert!(
            tag.chars().next().is_some_and(|c| c.is_ascii_digit()),
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
