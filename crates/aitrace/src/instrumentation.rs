//! What the span API records with, in one value: whether spans record at all,
//! the settings they record with, and the hooks that hear of them.
//!
//! The process holds one [`Instrumentation`], swapped whole by
//! [`set_global_instrumentation`] (and by [`crate::set_enabled`],
//! [`crate::set_global_settings`] and [`crate::hooks::add_trace_processor`], which
//! change one part of it). [`with_instrumentation`] puts another one in force on
//! the current thread while a closure runs, in the style of `tracing`'s
//! `dispatcher::with_default`: what tests use to run with their own settings,
//! hooks or a disabled API without touching the rest of the process.
//!
//! Every span start reads the value in force: one thread-local access, which
//! reuses the global value the thread read last until it is swapped (one atomic
//! load), instead of taking the process-wide lock.

use crate::hooks::{Registered, TraceProcessor};
use crate::metrics::Instruments;
use crate::pipeline::Pipeline;
use crate::settings::Settings;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Whether spans record, the settings they record with, and the hooks that hear
/// of them.
///
/// ```
/// use aitrace::instrumentation::{with_instrumentation, Instrumentation};
///
/// // On this thread only, while the closure runs: no span records.
/// with_instrumentation(Instrumentation::new().with_enabled(false), || {
///     let agent = aitrace::agent("triage").start();
///     assert!(!agent.is_recording());
///     agent.end();
/// });
/// ```
#[derive(Clone)]
pub struct Instrumentation {
    pub(crate) enabled: bool,
    pub(crate) settings: Arc<Settings>,
    pub(crate) hooks: Arc<[Arc<Registered>]>,
    /// The pipeline an SDK installed; `None`: the global provider, looked up for
    /// every span ([`crate::pipeline::GlobalProvider`]).
    pub(crate) pipeline: Option<Arc<dyn Pipeline>>,
    /// The GenAI metric instruments; `None` (the default) records no metrics and
    /// costs a span one check of this `Option`.
    pub(crate) metrics: Option<Arc<Instruments>>,
}

impl fmt::Debug for Instrumentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instrumentation")
            .field("enabled", &self.enabled)
            .field("settings", &self.settings)
            .field("hooks", &self.hooks.len())
            .field("pipeline", &self.pipeline)
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

impl Default for Instrumentation {
    fn default() -> Self {
        Instrumentation::new()
    }
}

impl Instrumentation {
    /// Enabled, the default settings, no hooks.
    pub fn new() -> Instrumentation {
        Instrumentation {
            enabled: true,
            settings: Arc::new(Settings::default()),
            hooks: Arc::from(Vec::new()),
            pipeline: None,
            metrics: None,
        }
    }

    /// From the environment: `OTEL_SDK_DISABLED` and the `AITRACE_*` settings,
    /// invalid values reported once on stderr; no hooks. What the process starts
    /// with.
    pub fn from_env() -> Instrumentation {
        let mut env = crate::env::EnvReader::process();
        let enabled = !env.sdk_disabled();
        crate::env::warn_once(&env.finish());
        Instrumentation {
            enabled,
            settings: Arc::new(Settings::from_env_lossy()),
            hooks: Arc::from(Vec::new()),
            pipeline: None,
            metrics: None,
        }
    }

    /// Turns recording on or off.
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// The settings spans record with (outside a trace with its own).
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = Arc::new(settings);
        self
    }

    /// Adds a hook.
    pub fn with_trace_processor(mut self, hook: Arc<dyn TraceProcessor>) -> Self {
        // A hook's panic is caught and reported once, without the standard output.
        crate::install_panic_hook();
        let mut hooks = self.hooks.to_vec();
        hooks.push(Arc::new(Registered {
            hook,
            reported: AtomicBool::new(false),
        }));
        self.hooks = Arc::from(hooks);
        self
    }

    /// Without hooks.
    pub fn without_trace_processors(mut self) -> Self {
        self.hooks = Arc::from(Vec::new());
        self
    }

    /// Spans go through `pipeline` (see [`crate::pipeline`]); `None`: through the
    /// global tracer provider.
    pub fn with_pipeline(mut self, pipeline: Option<Arc<dyn Pipeline>>) -> Self {
        self.pipeline = pipeline;
        self
    }

    /// Records metrics into `instruments` (see [`crate::metrics`]).
    pub fn with_metrics(mut self, instruments: Instruments) -> Self {
        self.metrics = Some(Arc::new(instruments));
        self
    }

    /// Records no metrics.
    pub fn without_metrics(mut self) -> Self {
        self.metrics = None;
        self
    }

    /// The metric instruments spans count into, if any.
    pub fn metrics(&self) -> Option<&Instruments> {
        self.metrics.as_deref()
    }

    /// Whether spans record.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The settings spans record with.
    pub fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }

    /// The pipeline spans go through, when an SDK installed one.
    pub fn pipeline(&self) -> Option<&Arc<dyn Pipeline>> {
        self.pipeline.as_ref()
    }
}

/// The process-wide value (`None` until first read, then from the environment).
static GLOBAL: RwLock<Option<Arc<Instrumentation>>> = RwLock::new(None);
/// Bumped (under the write lock) each time the process-wide value is swapped.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// What this thread holds: the values put in force by [`with_instrumentation`]
/// (innermost last), and the global value it read last, with its generation.
struct Local {
    scoped: Vec<Arc<Instrumentation>>,
    cached: Option<(u64, Arc<Instrumentation>)>,
}

thread_local! {
    // Const-initialised: no lazy-initialisation check on the hot path.
    static LOCAL: RefCell<Local> = const {
        RefCell::new(Local {
            scoped: Vec::new(),
            cached: None,
        })
    };
}

/// Runs `f` with the value in force on this thread, without copying it.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(&Instrumentation) -> R) -> R {
    let generation = GENERATION.load(Ordering::Acquire);
    let mut f = Some(f);
    let fast = LOCAL.try_with(|l| {
        let l = l.borrow();
        if let Some(top) = l.scoped.last() {
            return Some((f.take().expect("called once"))(top));
        }
        match &l.cached {
            Some((g, i)) if *g == generation => Some((f.take().expect("called once"))(i)),
            _ => None,
        }
    });
    match fast {
        Ok(Some(r)) => r,
        _ => {
            let (generation, global) = read_global();
            let r = (f.take().expect("called once"))(&global);
            let _ = LOCAL.try_with(|l| l.borrow_mut().cached = Some((generation, global)));
            r
        }
    }
}

/// The value in force on this thread: the innermost [`with_instrumentation`],
/// else the process-wide one.
pub fn current_instrumentation() -> Arc<Instrumentation> {
    let scoped = LOCAL
        .try_with(|l| l.borrow().scoped.last().cloned())
        .ok()
        .flatten();
    scoped.unwrap_or_else(|| read_global().1)
}

/// The process-wide value and its generation, read under the lock.
fn read_global() -> (u64, Arc<Instrumentation>) {
    {
        let slot = GLOBAL.read().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = slot.as_ref() {
            return (GENERATION.load(Ordering::Acquire), i.clone());
        }
    }
    let mut slot = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
    let i = slot
        .get_or_insert_with(|| Arc::new(Instrumentation::from_env()))
        .clone();
    (GENERATION.load(Ordering::Acquire), i)
}

/// Replaces the process-wide value.
pub fn set_global_instrumentation(instrumentation: Instrumentation) {
    update_global(|_| instrumentation);
}

/// Replaces the process-wide value with what `change` makes of it (one part of it
/// changed, the rest kept), atomically with respect to other changes.
pub(crate) fn update_global(change: impl FnOnce(&Instrumentation) -> Instrumentation) {
    let mut slot = GLOBAL.write().unwrap_or_else(|e| e.into_inner());
    let now = slot.get_or_insert_with(|| Arc::new(Instrumentation::from_env()));
    *slot = Some(Arc::new(change(now)));
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// Runs `f` with `instrumentation` in force on the current thread (spans started
/// by `f` on this thread, and the settings and hooks they see), then puts back
/// what was in force before, also if `f` panics. Other threads, and tasks `f`
/// hands to other threads, keep the process-wide value.
pub fn with_instrumentation<R>(instrumentation: Instrumentation, f: impl FnOnce() -> R) -> R {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            let _ = LOCAL.try_with(|l| l.borrow_mut().scoped.pop());
        }
    }
    let _ = LOCAL.try_with(|l| l.borrow_mut().scoped.push(Arc::new(instrumentation)));
    let _pop = Pop;
    f()
}
