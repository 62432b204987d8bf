//! A metric exporter that keeps the last collection in memory: the console
//! summary reads it at shutdown, tests read it any time.

use super::MetricsSnapshot;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Keeps what the last export held (cumulative by default: the totals since
/// the meter provider started). Clones share it.
///
/// ```
/// use aitrace_sdk::metrics::InMemoryMetricExporter;
/// use aitrace_sdk::opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
///
/// let exporter = InMemoryMetricExporter::default();
/// let provider = SdkMeterProvider::builder()
///     .with_reader(PeriodicReader::builder(exporter.clone()).build())
///     .build();
/// let instruments = aitrace::metrics::Instruments::from_provider(&provider);
/// aitrace::instrumentation::with_instrumentation(
///     aitrace::instrumentation::Instrumentation::new().with_metrics(instruments),
///     || aitrace::tool("search_kb").start().end(),
/// );
/// provider.force_flush()?;
/// assert_eq!(exporter.last().count("ai.tool.duration", &[("gen_ai.tool.name", "search_kb")]), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct InMemoryMetricExporter {
    state: Arc<Mutex<State>>,
    temporality: Temporality,
}

#[derive(Debug, Default)]
struct State {
    last: MetricsSnapshot,
    exports: u64,
    shut_down: bool,
}

impl Default for InMemoryMetricExporter {
    fn default() -> Self {
        InMemoryMetricExporter::with_temporality(Temporality::Cumulative)
    }
}

impl InMemoryMetricExporter {
    /// An exporter that asks for `temporality`.
    pub fn with_temporality(temporality: Temporality) -> Self {
        InMemoryMetricExporter {
            state: Arc::default(),
            temporality,
        }
    }

    /// What the last export held (empty before the first).
    pub fn last(&self) -> MetricsSnapshot {
        self.lock().last.clone()
    }

    /// How many exports it received.
    pub fn exports(&self) -> u64 {
        self.lock().exports
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PushMetricExporter for InMemoryMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let snapshot = MetricsSnapshot::from_resource_metrics(metrics);
        let mut st = self.lock();
        if st.shut_down {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        st.last = snapshot;
        st.exports += 1;
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.lock().shut_down = true;
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// A meter provider whose metrics stay in memory, for tests: record through
/// [`InMemoryMetrics::instrumentation`] (on one thread, with
/// [`aitrace::instrumentation::with_instrumentation`]), then read
/// [`InMemoryMetrics::collect`].
///
/// ```
/// use aitrace::instrumentation::with_instrumentation;
/// use aitrace_sdk::metrics::InMemoryMetrics;
///
/// let metrics = InMemoryMetrics::new();
/// with_instrumentation(metrics.instrumentation(), || {
///     let mut call = aitrace::generation("openai", "gpt-4o").start();
///     call.record_usage(aitrace::Usage::new(812, 64));
///     call.end();
/// });
/// let snapshot = metrics.collect();
/// assert_eq!(snapshot.sum("gen_ai.client.token.usage", &[("gen_ai.token.type", "input")]), 812.0);
/// ```
#[derive(Debug)]
pub struct InMemoryMetrics {
    provider: SdkMeterProvider,
    exporter: InMemoryMetricExporter,
    instruments: aitrace::metrics::Instruments,
}

impl Default for InMemoryMetrics {
    fn default() -> Self {
        InMemoryMetrics::new()
    }
}

impl InMemoryMetrics {
    /// Cumulative metrics in memory.
    pub fn new() -> InMemoryMetrics {
        InMemoryMetrics::with_temporality(Temporality::Cumulative)
    }

    /// Metrics of `temporality` in memory.
    pub fn with_temporality(temporality: Temporality) -> InMemoryMetrics {
        let exporter = InMemoryMetricExporter::with_temporality(temporality);
        // Collected when asked ([`InMemoryMetrics::collect`]), not on a timer.
        let reader = PeriodicReader::builder(exporter.clone())
            .with_interval(Duration::from_secs(24 * 3600))
            .build();
        let provider = SdkMeterProvider::builder().with_reader(reader).build();
        let instruments =
            aitrace::metrics::Instruments::from_provider(&provider).with_bound_series();
        InMemoryMetrics {
            provider,
            exporter,
            instruments,
        }
    }

    /// The instruments spans record into.
    pub fn instruments(&self) -> aitrace::metrics::Instruments {
        self.instruments.clone()
    }

    /// The span API's state in force on this thread, recording into these
    /// instruments: for [`aitrace::instrumentation::with_instrumentation`].
    pub fn instrumentation(&self) -> aitrace::instrumentation::Instrumentation {
        (*aitrace::instrumentation::current_instrumentation())
            .clone()
            .with_metrics(self.instruments())
    }

    /// Collects and returns what was recorded so far.
    pub fn collect(&self) -> MetricsSnapshot {
        let _ = self.provider.force_flush();
        self.exporter.last()
    }

    /// The meter provider.
    pub fn provider(&self) -> &SdkMeterProvider {
        &self.provider
    }
}
