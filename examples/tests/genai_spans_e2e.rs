//! The real `genai` crate (feature `otel`) calls an OpenAI-compatible server on
//! loopback, non-streamed and streamed; its `gen_ai` spans go through
//! `tracing-opentelemetry` into aitrace's pipeline. The console summary shows
//! the calls with their tokens and cost, the spans that reach the collector
//! (rotel) carry the cost, and a genai call made inside an aitrace generation
//! is counted once.

mod support;

use aitrace::{PriceTable, Usage};
use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::exporter::ConsoleExporter;
use aitrace_sdk::opentelemetry_sdk::trace::SimpleSpanProcessor;
use futures::StreamExt;
use genai::adapter::AdapterKind;
use genai::chat::{ChatMessage, ChatOptions, ChatRequest, ChatStreamEvent};
use genai::resolver::{AuthData, Endpoint, ServiceTargetResolver};
use genai::{Client, ModelIden, ServiceTarget};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::openai_stub::OpenAiStub;
use support::{ReceivedSpan, Rotel};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A genai client whose OpenAI adapter talks to `base_url`.
fn client_for(base_url: String) -> Client {
    let resolver = ServiceTargetResolver::from_resolver_fn(
        move |target: ServiceTarget| -> Result<ServiceTarget, genai::resolver::Error> {
            Ok(ServiceTarget {
                endpoint: Endpoint::from_owned(base_url.clone()),
                auth: AuthData::from_single("sk-test"),
                model: ModelIden::new(AdapterKind::OpenAI, target.model.model_name),
            })
        },
    );
    Client::builder()
        .with_service_target_resolver(resolver)
        .build()
        .expect("client builds")
}

fn ask(usage: &str) -> ChatRequest {
    ChatRequest::new(vec![ChatMessage::user(usage)])
}

/// The cost of a call to `model`, from the bundled prices.
fn cost(model: &str, input: u64, output: u64) -> f64 {
    PriceTable::bundled()
        .cost(model, &Usage::new(input, output))
        .expect("priced")
        .total_usd()
}

#[test]
fn genai_calls_are_costed_in_the_summary_and_at_the_collector() {
    let rotel = Rotel::start();
    let console = Buf::default();
    let guard = aitrace_sdk::Builder::new()
        .with_service_name("genai-e2e")
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(Protocol::Grpc)
        .with_endpoint(rotel.grpc_endpoint())
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(100),
            ..BatchConfig::default()
        })
        .with_span_processor(SimpleSpanProcessor::new(ConsoleExporter::with_writer(
            console.clone(),
        )))
        .install()
        .expect("pipeline installs");
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(guard.tracing_layer()),
    )
    .expect("first subscriber");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let trace_id = rt.block_on(async {
        let stub = OpenAiStub::start().await;
        let client = client_for(stub.base_url.clone());
        let run = aitrace::trace("genai_support")
            .with_conversation_id("conv-genai")
            .start();
        let trace_id = run.trace_id();
        run.wrap(async {
            let answer = client
                .exec_chat("gpt-4o", ask("usage 1000 200"), None)
                .await
                .expect("non-streamed call");
            assert_eq!(answer.first_text(), Some("Here is your refund."));

            let options = ChatOptions::default().with_capture_usage(true);
            let mut stream = client
                .exec_chat_stream("gpt-4o", ask("usage 300 50"), Some(&options))
                .await
                .expect("streamed call")
                .stream;
            let mut text = String::new();
            while let Some(event) = stream.next().await {
                if let ChatStreamEvent::Chunk(chunk) = event.expect("stream event") {
                    text.push_str(&chunk.content);
                }
            }
            drop(stream);
            assert_eq!(text, "Here is your refund.");

            // The same call wrapped in an aitrace generation: counted once.
            let mut call = aitrace::generation("openai", "gpt-4o").start();
            let answer = call
                .wrap(client.exec_chat("gpt-4o", ask("usage 500 100"), None))
                .await
                .expect("wrapped call");
            call.record_response_model(&answer.provider_model_iden.model_name);
            call.record_usage(Usage::new(500, 100));
            call.end();
        })
        .await;
        run.end();
        trace_id
    });
    let report = guard.shutdown().expect("every span delivered");

    let out = String::from_utf8(console.0.lock().unwrap().clone()).unwrap();
    // genai records the response model of a non-streamed call only; a streamed
    // call is priced (and listed) under the model it asked for.
    let total = cost("gpt-4o-2024-08-06", 1000, 200)
        + cost("gpt-4o", 300, 50)
        + cost("gpt-4o-2024-08-06", 500, 100);
    assert!(
        out.contains(&format!(
            "model calls: 3, tokens 1800 in / 350 out / 2150 total, cost ${total:.4}"
        )),
        "{out}"
    );
    assert!(
        out.contains("gpt-4o-2024-08-06: 2 calls, 1500 in / 300 out tokens"),
        "{out}"
    );
    assert!(
        out.contains("gpt-4o: 1 call, 300 in / 50 out tokens"),
        "{out}"
    );

    let spans = rotel.wait_for_spans(report.stats.exported as usize, Duration::from_secs(10));
    let ours: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.trace_id == trace_id.to_string())
        .collect();
    let from_genai: Vec<&&ReceivedSpan> = ours
        .iter()
        .filter(|s| {
            s.scope_name == "tracing" && s.str_attr("gen_ai.operation.name") == Some("chat")
        })
        .collect();
    assert_eq!(
        from_genai.len(),
        3,
        "{:?}",
        ours.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let by_input = |n: i64| {
        from_genai
            .iter()
            .find(|s| s.int_attr("gen_ai.usage.input_tokens") == Some(n))
            .unwrap_or_else(|| panic!("no genai span with {n} input tokens"))
    };
    for (input, output, streamed, model) in [
        (1000, 200, false, Some("gpt-4o-2024-08-06")),
        (300, 50, true, None),
    ] {
        let s = by_input(input);
        assert_eq!(s.name, "chat gpt-4o");
        assert_eq!(s.kind_short(), "client");
        assert_eq!(s.str_attr("ai.span.type"), Some("generation"));
        assert_eq!(s.bool_attr("gen_ai.request.stream"), Some(streamed));
        assert_eq!(s.str_attr("gen_ai.response.model"), model);
        let want = cost(model.unwrap_or("gpt-4o"), input as u64, output);
        let got = s.f64_attr("ai.cost_usd").expect("costed at the collector");
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert_eq!(s.f64_attr("gen_ai.usage.cost"), Some(got));
    }
    let inner = by_input(500);
    let ours_call = ours
        .iter()
        .find(|s| s.scope_name == "aitrace" && s.name == "chat gpt-4o")
        .expect("the aitrace generation");
    assert_eq!(inner.parent_id, ours_call.span_id);
    assert_eq!(inner.f64_attr("ai.cost_usd"), None, "counted in its parent");
    assert_eq!(inner.str_attr("ai.span.type"), None);
    let want = cost("gpt-4o-2024-08-06", 500, 100);
    assert!((ours_call.f64_attr("ai.cost_usd").unwrap() - want).abs() < 1e-12);
}
