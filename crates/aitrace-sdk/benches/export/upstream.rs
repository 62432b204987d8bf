//! The baseline: the same spans, made through aitrace's span API, exported by
//! `opentelemetry-otlp` 0.33 (the OpenTelemetry project's OTLP exporter) behind
//! the SDK's `BatchSpanProcessor`, set up as its documentation shows.
//!
//! What is the same as on aitrace's side: the span API path (a span pipeline on
//! the provider, [`SpanPipeline::for_head_sampler`] with [`PipelineIds`], as
//! `Builder::install` sets up for its own provider), the head sampler, the
//! resource, and the batch settings, all taken from the same [`Config`]. What
//! differs is the exporter and what aitrace puts around it: no admission count
//! and no `gen_ai` span processor here.

use aitrace_sdk::config::{Config, Protocol};
use aitrace_sdk::pipeline::{PipelineIds, SpanPipeline};
use aitrace_sdk::resource::build_resource;
use aitrace_sdk::sampler::head_sampler;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Spans the exporter reported as sent, and as failed.
#[derive(Debug, Default)]
pub struct Counts {
    pub exported: AtomicU64,
    pub failed: AtomicU64,
}

/// The upstream exporter with its results counted: the SDK's batch processor
/// counts the spans its full queue drops but does not say how many, so they are
/// what was made less what the exporter settled.
#[derive(Debug)]
struct Counted<E> {
    inner: E,
    counts: Arc<Counts>,
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len() as u64;
        let result = self.inner.export(batch).await;
        let counter = match result {
            Ok(()) => &self.counts.exported,
            Err(_) => &self.counts.failed,
        };
        counter.fetch_add(n, Ordering::Relaxed);
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource)
    }
}

/// The upstream pipeline, installed for aitrace's span API.
pub struct Upstream {
    provider: SdkTracerProvider,
    pipeline: Arc<dyn aitrace::pipeline::Pipeline>,
    counts: Arc<Counts>,
    /// The tokio runtime tonic needs (its channel's worker runs there); the
    /// batch processor's thread drives each export and waits for it, as with
    /// aitrace's exporter. One worker, like aitrace's export runtime.
    _runtime: Option<tokio::runtime::Runtime>,
}

/// How the upstream pipeline ended.
pub struct Outcome {
    pub exported: u64,
    pub failed: u64,
    /// Whether the provider shut down without an error.
    pub clean: bool,
}

impl Upstream {
    /// Builds `opentelemetry-otlp`'s exporter for `protocol` (tonic, or
    /// HTTP/protobuf on its blocking reqwest client) to `endpoint`, and installs
    /// it as `config` says: global provider, aitrace's settings, span pipeline.
    pub fn install(protocol: Protocol, endpoint: &str, config: &Config) -> Upstream {
        let (exporter, runtime) = match protocol {
            Protocol::Grpc => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("a tokio runtime for tonic");
                let exporter = {
                    let _entered = runtime.enter();
                    opentelemetry_otlp::SpanExporter::builder()
                        .with_tonic()
                        .with_endpoint(endpoint)
                        .with_timeout(config.otlp.timeout)
                        .build()
                };
                (exporter, Some(runtime))
            }
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                    .with_endpoint(format!("{endpoint}/v1/traces"))
                    .with_timeout(config.otlp.timeout)
                    .build();
                (exporter, None)
            }
        };
        let counts = Arc::new(Counts::default());
        let exporter = Counted {
            inner: exporter.expect("opentelemetry-otlp's exporter"),
            counts: counts.clone(),
        };
        let b = &config.batch;
        let batch = BatchConfigBuilder::default()
            .with_max_queue_size(b.max_queue_size)
            .with_max_export_batch_size(b.max_export_batch_size)
            .with_scheduled_delay(b.schedule_delay)
            .build();
        let processor = BatchSpanProcessor::builder(exporter)
            .with_batch_config(batch)
            .build();
        let sampler = head_sampler(config.sampler);
        let provider = SdkTracerProvider::builder()
            .with_resource(build_resource(config))
            .with_sampler(sampler.clone())
            .with_id_generator(PipelineIds::default())
            .with_span_processor(processor)
            .build();
        opentelemetry::global::set_tracer_provider(provider.clone());
        aitrace::set_enabled(true);
        aitrace::set_global_settings(config.settings.clone());
        let pipeline: Arc<dyn aitrace::pipeline::Pipeline> =
            Arc::new(SpanPipeline::for_head_sampler(&provider, sampler));
        aitrace::pipeline::set_global_pipeline(pipeline.clone());
        Upstream {
            provider,
            pipeline,
            counts,
            _runtime: runtime,
        }
    }

    /// Flushes and shuts down, waiting at most `timeout`.
    pub fn shutdown(self, timeout: Duration) -> Outcome {
        aitrace::pipeline::remove_global_pipeline(&self.pipeline);
        let clean = self.provider.shutdown_with_timeout(timeout).is_ok();
        Outcome {
            exported: self.counts.exported.load(Ordering::Relaxed),
            failed: self.counts.failed.load(Ordering::Relaxed),
            clean,
        }
    }
}
