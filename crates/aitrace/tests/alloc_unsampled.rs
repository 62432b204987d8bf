//! A span the sampler drops allocates nothing for its attributes beyond the one
//! list handed to the sampler: every other attribute is built only for spans that
//! record. Counted with a global allocator that counts the allocations (and
//! reallocations) of the current thread inside a window.
//!
//! The reference is the same span written by hand on the OpenTelemetry API the
//! way aitrace has to start it (a tracer from the global provider, the name built
//! at run time, the span put in a context for its children): aitrace may allocate
//! exactly one thing more, the `Vec` of attributes the sampler reads.
//!
//! This binary installs its own tracer provider (`parentbased_always_off`: roots
//! are dropped, and so are children of a dropped parent).

use aitrace::{GuardrailType, Usage};
use opentelemetry::trace::{
    Span as _, SpanKind, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{global, Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::sync::OnceLock;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    // `try_with`: the allocator may run while thread locals are torn down.
    let _ = COUNTING.try_with(|on| {
        if on.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many times `f` allocated (or reallocated) on this thread.
fn allocations(f: impl FnOnce()) -> u64 {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|on| on.set(true));
    f();
    COUNTING.with(|on| on.set(false));
    COUNT.with(|c| c.get())
}

/// Installs the dropping provider once, and warms up everything that is set up
/// on first use (settings, scope, thread locals of the id generator).
fn setup() {
    static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        aitrace::set_enabled(true);
        aitrace::set_global_settings(aitrace::Settings::default());
        let p = SdkTracerProvider::builder()
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)))
            .build();
        global::set_tracer_provider(p.clone());
        p
    });
    for _ in 0..2 {
        raw_through_global();
        for (_, span) in spans() {
            span();
        }
    }
}

/// The same agent span written by hand on the OpenTelemetry API, the way aitrace
/// starts it: a tracer from the global provider, the name built at run time,
/// attributes only when recording, and the span in a context for its children.
fn raw_through_global() {
    let name = black_box("triage");
    let tracer =
        global::tracer_provider().tracer_with_scope(InstrumentationScope::builder("raw").build());
    let parent = Context::current();
    let mut span = tracer
        .span_builder(format!("invoke_agent {name}"))
        .with_kind(SpanKind::Internal)
        .start_with_context(&tracer, &parent);
    if span.is_recording() {
        span.set_attributes([KeyValue::new("ai.agent.name", name)]);
    }
    let cx = parent.with_span(span);
    cx.span().end();
}

type Lifecycle = Box<dyn FnOnce()>;

/// Span lifecycles (start, every record, end), with their builders prepared
/// outside the counting window: what the application allocates to describe the
/// span (lists of tools, owned ids, JSON values) is not the span's cost.
fn spans() -> Vec<(&'static str, Lifecycle)> {
    let agent_full = aitrace::agent("triage")
        .with_id(String::from("agent-7"))
        .with_tools(["search_kb", "lookup_order", "refund"])
        .with_handoffs(["billing", "shipping"])
        .with_output_type(String::from("json"));
    let generation_full = aitrace::generation("openai", "gpt-4o")
        .with_server("api.openai.com", 443)
        .with_max_tokens(256)
        .with_temperature(0.2)
        .with_top_p(0.9)
        .with_top_k(40)
        .with_seed(7)
        .with_frequency_penalty(0.1)
        .with_presence_penalty(0.1)
        .with_stop_sequences(["\n\n", "END"])
        .with_messages_count(3)
        .streaming();
    let tool_full = aitrace::tool("search_kb")
        .with_call_id(String::from("call_1"))
        .with_type("function")
        .with_description(String::from("Searches the knowledge base"));
    let arguments = serde_json::json!({"q": "refund policy"});
    let result = serde_json::json!({"hits": 3});
    vec![
        (
            "agent",
            Box::new(|| {
                let agent = aitrace::agent("triage").start();
                assert!(!agent.is_recording());
                agent.end();
            }),
        ),
        (
            "agent with every attribute",
            Box::new(move || {
                let agent = agent_full.start();
                assert!(!agent.is_recording());
                agent.end();
            }),
        ),
        (
            "generation",
            Box::new(|| {
                let call = aitrace::generation("openai", "gpt-4o").start();
                assert!(!call.is_recording());
                call.end();
            }),
        ),
        (
            "generation with every parameter and record",
            Box::new(move || {
                let mut call = generation_full.start();
                assert!(!call.is_recording());
                call.record_first_token();
                call.record_response_model("gpt-4o-2024-08-06");
                call.record_response_id("chatcmpl-123");
                call.record_finish_reasons(["stop", "length"]);
                call.record_input_messages(&["hello"]);
                call.record_output_messages(&["hi"]);
                call.record_system_instructions("be brief");
                call.add_usage(&Usage::new(812, 64).with_cache_read(512).with_reasoning(10));
                call.end();
            }),
        ),
        (
            "generation dropped mid-stream",
            Box::new(|| {
                let mut call = aitrace::generation("openai", "gpt-4o").streaming().start();
                call.add_usage(&Usage::new(10, 2));
                drop(call);
            }),
        ),
        (
            "tool with every attribute and record",
            Box::new(move || {
                let t = tool_full.start();
                assert!(!t.is_recording());
                t.record_arguments(&arguments);
                t.record_result(&result);
                t.end();
            }),
        ),
        (
            "guardrail tripped",
            Box::new(|| {
                let g = aitrace::guardrail("pii_check")
                    .with_type(GuardrailType::Input)
                    .start();
                assert!(!g.is_recording());
                g.trip("an email address in the prompt");
                g.end();
            }),
        ),
    ]
}

#[test]
fn an_unsampled_root_allocates_only_the_list_the_sampler_reads() {
    setup();
    let raw = allocations(raw_through_global);
    for (what, span) in spans() {
        assert_eq!(
            allocations(span),
            raw + 1,
            "{what}: one allocation more than the raw span (the sampler's attribute list)"
        );
    }
}

/// Under a parent that was not recorded, a span is decided without the provider:
/// no sampler, so no attribute list, no tracer, no boxed span. What is left is
/// the context that holds it (two allocations: OpenTelemetry's context entry and
/// the span in it), a third of the raw span's six.
#[test]
fn an_unsampled_child_allocates_only_its_context() {
    setup();
    let parent = aitrace::agent("outer").start();
    assert!(!parent.is_recording());
    let _in_parent = parent.enter();
    let raw = allocations(raw_through_global);
    for (what, span) in spans() {
        let n = allocations(span);
        assert_eq!(n, 2, "{what}, under an unsampled parent (raw span: {raw})");
        assert!(n < raw);
    }
}

#[test]
fn recording_only_attributes_cost_nothing_when_unsampled() {
    setup();
    let counts: Vec<(&str, u64)> = spans()
        .into_iter()
        .map(|(what, span)| (what, allocations(span)))
        .collect();
    let first = counts[0].1;
    assert!(
        counts.iter().all(|(_, n)| *n == first),
        "a span with more attributes must not allocate more when unsampled: {counts:?}"
    );
}

/// Through the span pipeline an SDK installs (here on this thread only), the
/// head sampler decides a root before it is built: a dropped root is its context
/// alone, two allocations like a child of a dropped span, a third of the raw
/// span's six.
#[test]
fn a_root_dropped_through_the_span_pipeline_allocates_only_its_context() {
    use aitrace::instrumentation::{with_instrumentation, Instrumentation};
    use aitrace_sdk::config::SamplerConfig;
    use aitrace_sdk::pipeline::{PipelineIds, SpanPipeline};
    use aitrace_sdk::sampler::head_sampler;
    use std::sync::Arc;

    setup();
    let sampler = head_sampler(SamplerConfig::ParentBasedAlwaysOff);
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler.clone())
        .with_id_generator(PipelineIds::default())
        .build();
    let pipeline = Arc::new(SpanPipeline::for_head_sampler(&provider, sampler));
    let raw = allocations(raw_through_global);
    with_instrumentation(Instrumentation::new().with_pipeline(Some(pipeline)), || {
        // Warm up what is set up on first use on this thread.
        for (_, span) in spans() {
            span();
        }
        for (what, span) in spans() {
            let n = allocations(span);
            assert_eq!(n, 2, "{what}, a dropped root (raw span: {raw})");
        }
    });
}
