//! Who a trace is about — conversation, user, tenant — and how that crosses services
//! in baggage.
//!
//! A trace started with [`crate::TraceBuilder::with_conversation_id`] (or user id, or
//! tenant) hands those ids to every span below it. When the run calls another service,
//! [`super::inject_context`] puts them in the outgoing baggage; on the other side
//! [`super::extract_parent`] reads them back and restores them, so that every span of
//! the downstream service inherits them as if a `TraceBuilder` there had set them.
//!
//! # Baggage keys
//! | value | baggage key | why this name |
//! | --- | --- | --- |
//! | conversation id | `gen_ai.conversation.id` | the OpenTelemetry GenAI attribute for it |
//! | user id | `user.id` | the OpenTelemetry attribute for the user (and OpenInference's) |
//! | tenant | `ai.tenant.id` | no convention exists; aitrace's own attribute |
//!
//! The keys are attribute names on purpose: a service that is not instrumented with
//! aitrace but copies baggage into span attributes (the OpenTelemetry baggage span
//! processors of Java, Python, JS and .NET) then writes the attributes backends read.
//!
//! # When the propagators carry no baggage
//! `OTEL_PROPAGATORS=b3` (or `tracecontext` alone) carries no baggage. With
//! [`IdentityBaggage::Always`], the default, the injection helpers then write the
//! identity entries, and only those, in a W3C `baggage` header of their own, and the
//! extraction helpers read them from it whatever the propagators are. With no
//! propagator at all (none installed, or `OTEL_PROPAGATORS=none`) nothing crosses,
//! the identity included. Set
//! `AITRACE_IDENTITY_BAGGAGE=propagators` (or [`set_identity_baggage`]) to send the
//! identity only where a configured propagator carries baggage, or `off` to neither
//! send nor restore it.
//!
//! # Incoming values are untrusted
//! Baggage is written by the caller. What is restored from it labels telemetry; it is
//! not proof of who the user is. Each value is trimmed; control characters, line and
//! paragraph separators and bidirectional controls are replaced with `U+FFFD`; a value
//! longer than [`crate::Settings::max_content_bytes`] is cut and ends with
//! `…[truncated N bytes]`, as span attributes are; an empty value is absent.

use super::percent;
use crate::context::Scope;
use crate::span::Attrs;
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::{Context, StringValue};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// The baggage key of the conversation id: `gen_ai.conversation.id`.
pub const BAGGAGE_CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// The baggage key of the user id: `user.id`.
pub const BAGGAGE_USER_ID: &str = "user.id";
/// The baggage key of the tenant: `ai.tenant.id`.
pub const BAGGAGE_TENANT_ID: &str = "ai.tenant.id";

/// `AITRACE_IDENTITY_BAGGAGE` (also [`crate::env::AITRACE_IDENTITY_BAGGAGE`]):
/// `always` (default), `propagators` or `off`; see
/// [`IdentityBaggage`].
pub const ENV_IDENTITY_BAGGAGE: &str = "AITRACE_IDENTITY_BAGGAGE";

/// The W3C Baggage limits that apply to one entry (`key=value`, encoded) and to the
/// number of entries read, as the OpenTelemetry baggage type and propagator apply them.
const MAX_ENTRY_BYTES: usize = 4096;
const MAX_ENTRIES_READ: usize = 64;

/// The conversation id, user id and tenant of a trace: what every span of the trace
/// inherits, and what crosses to other services in baggage.
///
/// ```
/// use aitrace::propagation::Identity;
///
/// let run = aitrace::trace("support")
///     .with_conversation_id("conv-42")
///     .with_user_id("user-7")
///     .start();
/// let identity = Identity::of(run.context());
/// assert_eq!(identity.conversation_id(), Some("conv-42"));
/// assert_eq!(identity.user_id(), Some("user-7"));
/// assert_eq!(identity.tenant_id(), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    conversation_id: Option<Arc<str>>,
    user_id: Option<Arc<str>>,
    tenant_id: Option<Arc<str>>,
}

impl Identity {
    /// An empty identity.
    pub fn new() -> Self {
        Self::default()
    }

    /// With the conversation (session, thread) id.
    pub fn with_conversation_id(mut self, id: impl Into<String>) -> Self {
        self.conversation_id = Some(Arc::from(id.into()));
        self
    }

    /// With the end user's id.
    pub fn with_user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(Arc::from(id.into()));
        self
    }

    /// With the tenant's id.
    pub fn with_tenant_id(mut self, id: impl Into<String>) -> Self {
        self.tenant_id = Some(Arc::from(id.into()));
        self
    }

    /// The conversation id.
    pub fn conversation_id(&self) -> Option<&str> {
        self.conversation_id.as_deref()
    }

    /// The user id.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The tenant's id.
    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_deref()
    }

    /// True when no id is set.
    pub fn is_empty(&self) -> bool {
        self.conversation_id.is_none() && self.user_id.is_none() && self.tenant_id.is_none()
    }

    /// The identity of the trace `cx` belongs to: set by a [`crate::TraceBuilder`] or
    /// restored from a request; empty outside a trace.
    pub fn of(cx: &Context) -> Identity {
        cx.get::<Scope>()
            .map(|s| s.identity.clone())
            .unwrap_or_default()
    }

    /// The identity of the current trace.
    pub fn current() -> Identity {
        Context::map_current(Identity::of)
    }

    /// The identity carried in the baggage of `cx`, cleaned as incoming values are
    /// (see the [module documentation](self)); the length limit is the
    /// [`crate::Settings::max_content_bytes`] in force in `cx`.
    pub fn from_baggage(cx: &Context) -> Identity {
        let max = max_bytes(cx);
        let baggage = cx.baggage();
        let read = |key: &str| baggage.get(key).and_then(|v| clean(v.as_str(), max));
        Identity {
            conversation_id: read(BAGGAGE_CONVERSATION_ID),
            user_id: read(BAGGAGE_USER_ID),
            tenant_id: read(BAGGAGE_TENANT_ID),
        }
    }

    /// `cx` with this identity in force: every aitrace span started in the result (or
    /// in a trace whose parent it is) inherits it, in each enabled dialect, exactly as
    /// if a [`crate::TraceBuilder`] had been given these ids. Ids this identity lacks
    /// are kept from the trace of `cx`, if any.
    ///
    /// ```
    /// use aitrace::propagation::Identity;
    ///
    /// let cx = Identity::new()
    ///     .with_conversation_id("conv-42")
    ///     .in_context(&opentelemetry::Context::new());
    /// let tool = aitrace::tool("search").child_of(&cx).start();
    /// assert_eq!(Identity::of(tool.context()).conversation_id(), Some("conv-42"));
    /// ```
    pub fn in_context(&self, cx: &Context) -> Context {
        let outer = Scope::of(cx);
        let scope = outer.below(outer.settings.clone(), |_| {}, self, []);
        cx.with_value(scope)
    }

    /// This identity, with the ids it lacks taken from `other`.
    pub(crate) fn or(&self, other: &Identity) -> Identity {
        Identity {
            conversation_id: self
                .conversation_id
                .clone()
                .or_else(|| other.conversation_id.clone()),
            user_id: self.user_id.clone().or_else(|| other.user_id.clone()),
            tenant_id: self.tenant_id.clone().or_else(|| other.tenant_id.clone()),
        }
    }

    fn is_complete(&self) -> bool {
        self.conversation_id.is_some() && self.user_id.is_some() && self.tenant_id.is_some()
    }

    /// The inherited attributes of this identity, in each dialect of `a`.
    ///
    /// The conversation is also `session.id` and the user `user.id`, names of the
    /// general conventions that OpenInference shares: MLflow reads the user only
    /// from `user.id`, Langfuse and Phoenix read both, so they go with either
    /// dialect (see `docs/attributes.md`).
    pub(crate) fn push_attributes(&self, a: &mut Attrs<'_>) {
        use crate::attributes::{ai, gen_ai};
        if let Some(id) = &self.conversation_id {
            let id = StringValue::from(id.clone());
            a.ai(ai::CONVERSATION_ID, id.clone());
            a.gen(gen_ai::CONVERSATION_ID, id.clone());
            a.shared_name(gen_ai::SESSION_ID, id);
        }
        if let Some(id) = &self.user_id {
            let id = StringValue::from(id.clone());
            a.ai(ai::USER_ID, id.clone());
            a.shared_name(gen_ai::USER_ID, id);
        }
        if let Some(id) = &self.tenant_id {
            a.ai(ai::TENANT_ID, StringValue::from(id.clone()));
        }
    }

    /// The entries of this identity as (baggage key, value).
    fn entries(&self) -> impl Iterator<Item = (&'static str, &Arc<str>)> {
        [
            (BAGGAGE_CONVERSATION_ID, &self.conversation_id),
            (BAGGAGE_USER_ID, &self.user_id),
            (BAGGAGE_TENANT_ID, &self.tenant_id),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
    }

    /// `cx` with this identity added to its baggage (replacing entries of the same keys).
    pub(crate) fn add_to_baggage(&self, cx: &Context) -> Context {
        let mut baggage = Baggage::new();
        for (key, (value, metadata)) in cx.baggage() {
            baggage.insert_with_metadata(key.clone(), value.clone(), metadata.clone());
        }
        for (key, value) in self.entries() {
            // Over the W3C limits the entry is refused, as any baggage entry would be.
            baggage.insert(key, StringValue::from(value.clone()));
        }
        cx.with_baggage(baggage)
    }

    /// This identity as a W3C `baggage` header value, values percent-encoded; entries
    /// over the W3C size of one entry are left out, as the baggage type leaves them out.
    /// `None` when nothing is left.
    pub(crate) fn to_w3c_baggage(&self) -> Option<String> {
        let header = self
            .entries()
            .map(|(key, value)| format!("{key}={}", percent::encode(value)))
            .filter(|entry| entry.len() <= MAX_ENTRY_BYTES)
            .collect::<Vec<_>>()
            .join(",");
        (!header.is_empty()).then_some(header)
    }

    /// The identity entries of a W3C `baggage` header value, cleaned, cut at
    /// `max_bytes`. Other entries, properties, members without `=` and values that do
    /// not decode to UTF-8 are ignored; a malformed escape (`%zz`) is kept as it is and
    /// the last of repeated keys wins, as with the OpenTelemetry baggage propagators.
    pub(crate) fn from_w3c_baggage(header: &str, max_bytes: usize) -> Identity {
        let mut identity = Identity::default();
        if header.len() > super::MAX_BAGGAGE_HEADER_LEN {
            return identity;
        }
        for member in header.split(',').take(MAX_ENTRIES_READ) {
            let pair = member.split(';').next().unwrap_or_default();
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let slot = match key.trim_matches([' ', '\t']) {
                BAGGAGE_CONVERSATION_ID => &mut identity.conversation_id,
                BAGGAGE_USER_ID => &mut identity.user_id,
                BAGGAGE_TENANT_ID => &mut identity.tenant_id,
                _ => continue,
            };
            *slot = clean(&percent::decode(value.trim_matches([' ', '\t'])), max_bytes);
        }
        identity
    }
}

/// The content limit in force in `cx`.
fn max_bytes(cx: &Context) -> usize {
    match cx.get::<Scope>() {
        Some(s) => s.settings.max_content_bytes,
        None => crate::global_settings().max_content_bytes,
    }
}

/// Whether `c` may not reach an attribute: control characters (C0, DEL, C1), line and
/// paragraph separators, and the bidirectional controls that reorder displayed text.
fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// An incoming identity value made safe for attributes: trimmed, unsafe characters
/// replaced with U+FFFD, cut at `max_bytes` with the span API's marker; `None` when
/// nothing is left.
pub(crate) fn clean(raw: &str, max_bytes: usize) -> Option<Arc<str>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let safe: String = if trimmed.chars().any(unsafe_char) {
        trimmed
            .chars()
            .map(|c| if unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect()
    } else {
        trimmed.to_string()
    };
    let capped = crate::span::budget::cap(StringValue::from(safe), max_bytes);
    Some(Arc::from(capped.as_str()))
}

/// Whether the identity crosses services in baggage; process-wide, read from
/// [`ENV_IDENTITY_BAGGAGE`] until [`set_identity_baggage`] is called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdentityBaggage {
    /// The identity joins the outgoing baggage; when no configured propagator writes
    /// baggage (`b3`, `tracecontext` alone), a W3C `baggage` header carries the
    /// identity entries alone. Incoming identity is read from the propagated baggage,
    /// else from a W3C `baggage` header. The default.
    #[default]
    Always,
    /// The identity joins the outgoing baggage, and crosses only where a configured
    /// propagator carries baggage (`baggage`, `jaeger`); it is read from the propagated
    /// baggage only.
    Propagators,
    /// The identity is neither sent nor restored. (Baggage set by the application
    /// still travels with the propagators that carry it.)
    Off,
}

impl IdentityBaggage {
    /// What [`IdentityBaggage::parse`] accepts.
    pub const ACCEPTED: &'static str = "always, propagators or off";

    /// Parses `always`, `propagators` or `off` (any case, surrounding spaces ignored).
    ///
    /// # Errors
    /// What is accepted, for anything else (the shape [`crate::env::EnvReader::parse`]
    /// takes).
    pub fn parse(value: &str) -> Result<IdentityBaggage, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "always" => Ok(IdentityBaggage::Always),
            "propagators" => Ok(IdentityBaggage::Propagators),
            "off" => Ok(IdentityBaggage::Off),
            _ => Err(Self::ACCEPTED.to_string()),
        }
    }

    /// Reads [`ENV_IDENTITY_BAGGAGE`] through `env`; an invalid value is a warning
    /// there and the default applies.
    pub fn read<F: Fn(&str) -> Option<String>>(
        env: &mut crate::env::EnvReader<F>,
    ) -> IdentityBaggage {
        env.parse(
            &[ENV_IDENTITY_BAGGAGE],
            "using always",
            IdentityBaggage::parse,
        )
        .unwrap_or_default()
    }
}

const UNKNOWN: u8 = 0;
static MODE: AtomicU8 = AtomicU8::new(UNKNOWN);

fn encode(mode: IdentityBaggage) -> u8 {
    match mode {
        IdentityBaggage::Always => 1,
        IdentityBaggage::Propagators => 2,
        IdentityBaggage::Off => 3,
    }
}

/// Sets whether the identity crosses services in baggage, for the whole process;
/// overrides [`ENV_IDENTITY_BAGGAGE`].
pub fn set_identity_baggage(mode: IdentityBaggage) {
    MODE.store(encode(mode), Ordering::Release);
}

/// Whether the identity crosses services in baggage. Read from
/// [`ENV_IDENTITY_BAGGAGE`] the first time; an invalid value is reported once on
/// stderr and the default, [`IdentityBaggage::Always`], is used. A pipeline installed
/// by `aitrace-sdk` sets it from its configuration (where strict mode applies).
pub fn identity_baggage() -> IdentityBaggage {
    match MODE.load(Ordering::Acquire) {
        1 => IdentityBaggage::Always,
        2 => IdentityBaggage::Propagators,
        3 => IdentityBaggage::Off,
        _ => {
            let mut env = crate::env::EnvReader::process();
            let mode = IdentityBaggage::read(&mut env);
            crate::env::warn_once(env.warnings());
            let _ =
                MODE.compare_exchange(UNKNOWN, encode(mode), Ordering::AcqRel, Ordering::Acquire);
            identity_baggage()
        }
    }
}

/// Whether a header (or map key) written by a propagator carries baggage: W3C
/// `baggage`, Jaeger `uberctx-*`, OpenTracing `ot-baggage-*`.
pub(crate) fn carries_baggage(key: &str) -> bool {
    fn has_prefix(key: &str, prefix: &str) -> bool {
        key.len() > prefix.len()
            && key.is_char_boundary(prefix.len())
            && key[..prefix.len()].eq_ignore_ascii_case(prefix)
    }
    key.eq_ignore_ascii_case("baggage")
        || has_prefix(key, "uberctx-")
        || has_prefix(key, "ot-baggage-")
}

/// Whether the application propagates at all: false when no propagator is installed,
/// or `OTEL_PROPAGATORS=none` installed one without fields. Then the identity does
/// not cross either, whatever [`IdentityBaggage`] says.
pub(crate) fn propagation_on() -> bool {
    opentelemetry::global::get_text_map_propagator(|p| p.fields().next().is_some())
}

/// Restores the identity carried by an incoming request onto `cx` (already extracted
/// by the propagators): from the propagated baggage, else, with
/// [`IdentityBaggage::Always`] and propagators installed, from the W3C `baggage`
/// value `raw_baggage`.
pub(crate) fn restore(cx: Context, raw_baggage: Option<&str>) -> Context {
    let mode = identity_baggage();
    if mode == IdentityBaggage::Off {
        return cx;
    }
    let mut identity = Identity::from_baggage(&cx);
    if mode == IdentityBaggage::Always
        && !identity.is_complete()
        && raw_baggage.is_some()
        && propagation_on()
    {
        if let Some(raw) = raw_baggage {
            identity = identity.or(&Identity::from_w3c_baggage(raw, max_bytes(&cx)));
        }
    }
    if identity.is_empty() {
        cx
    } else {
        identity.in_context(&cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MAX: usize = 64;

    #[test]
    fn reads_only_the_identity_keys() {
        let i = Identity::from_w3c_baggage(
            "a=1, gen_ai.conversation.id = conv%2042 ;prop=x,user.id=u-7,ai.tenant.id=acme,x=y",
            MAX,
        );
        assert_eq!(i.conversation_id(), Some("conv 42"));
        assert_eq!(i.user_id(), Some("u-7"));
        assert_eq!(i.tenant_id(), Some("acme"));
    }

    #[test]
    fn malformed_members_are_ignored() {
        let i = Identity::from_w3c_baggage("gen_ai.conversation.id,,=,user.id,user.id=%20", MAX);
        assert!(i.is_empty(), "{i:?}");
        // An escape that is not UTF-8 is U+FFFD, as the SDK's baggage propagator
        // reads it (W3C Baggage requires it): one decoder for both paths.
        let i = Identity::from_w3c_baggage("ai.tenant.id=a%ffb", MAX);
        assert_eq!(i.tenant_id(), Some("a\u{FFFD}b"));
        // Malformed escapes are kept, as the OpenTelemetry propagators keep them.
        let i = Identity::from_w3c_baggage("user.id=%zz%2,ai.tenant.id=50%", MAX);
        assert_eq!(i.user_id(), Some("%zz%2"));
        assert_eq!(i.tenant_id(), Some("50%"));
        // The last of a repeated key wins.
        let i = Identity::from_w3c_baggage("user.id=%ff,user.id=a,user.id=b", MAX);
        assert_eq!(i.user_id(), Some("b"));
    }

    #[test]
    fn oversized_headers_are_ignored() {
        let header = format!(
            "user.id=a,x={}",
            "y".repeat(super::super::MAX_BAGGAGE_HEADER_LEN)
        );
        assert!(Identity::from_w3c_baggage(&header, MAX).is_empty());
    }

    #[test]
    fn values_are_cleaned_and_cut_visibly() {
        assert_eq!(clean("  ", MAX), None);
        assert_eq!(
            clean(" a\u{7}b\u{202E}c\r\n", MAX).as_deref(),
            Some("a\u{FFFD}b\u{FFFD}c")
        );
        let long = "x".repeat(100);
        let cut = clean(&long, MAX).unwrap();
        assert!(cut.len() <= MAX, "{cut}");
        assert!(cut.ends_with("…[truncated 77 bytes]"), "{cut}");
        assert_eq!(
            clean(&"é".repeat(32), MAX).unwrap().len(),
            64,
            "fits exactly"
        );
    }

    #[test]
    fn header_round_trip() {
        let i = Identity::new()
            .with_conversation_id("conv 1,2;3=4")
            .with_user_id("ü@example.com")
            .with_tenant_id("acme");
        let header = i.to_w3c_baggage().unwrap();
        assert!(header.is_ascii() && !header.contains(' '), "{header}");
        assert_eq!(Identity::from_w3c_baggage(&header, 1024), i);
        assert_eq!(Identity::new().to_w3c_baggage(), None);
        let huge = Identity::new().with_user_id("x".repeat(MAX_ENTRY_BYTES));
        assert_eq!(huge.to_w3c_baggage(), None, "over the size of one entry");
    }

    #[test]
    fn modes_parse() {
        assert_eq!(IdentityBaggage::parse(" Off "), Ok(IdentityBaggage::Off));
        assert_eq!(
            IdentityBaggage::parse("always"),
            Ok(IdentityBaggage::Always)
        );
        assert_eq!(
            IdentityBaggage::parse("PROPAGATORS"),
            Ok(IdentityBaggage::Propagators)
        );
        let mut env = crate::env::EnvReader::new(|k: &str| {
            (k == ENV_IDENTITY_BAGGAGE).then(|| "sometimes".to_string())
        });
        assert_eq!(IdentityBaggage::read(&mut env), IdentityBaggage::Always);
        let w = env.warnings()[0].to_string();
        assert!(
            w.contains(ENV_IDENTITY_BAGGAGE)
                && w.contains("sometimes")
                && w.contains("always, propagators or off"),
            "{w}"
        );
    }

    #[test]
    fn baggage_carrying_keys() {
        for k in ["baggage", "Baggage", "uberctx-user.id", "OT-Baggage-x"] {
            assert!(carries_baggage(k), "{k}");
        }
        for k in ["traceparent", "uberctx-", "b3", "baggagex"] {
            assert!(!carries_baggage(k), "{k}");
        }
    }

    proptest! {
        #[test]
        fn any_header_parses_to_safe_values(header in "\\PC{0,300}", max in 0usize..200) {
            let i = Identity::from_w3c_baggage(&header, max);
            for v in [i.conversation_id(), i.user_id(), i.tenant_id()].into_iter().flatten() {
                prop_assert!(!v.chars().any(unsafe_char), "{v:?}");
                prop_assert!(!v.is_empty());
                prop_assert!(v.len() <= max.max(41), "{} > {max}", v.len());
            }
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let header = String::from_utf8_lossy(&bytes);
            let _ = Identity::from_w3c_baggage(&header, 64);
        }

        #[test]
        fn written_identities_read_back(
            conv in "\\PC{1,80}", user in "[ -~]{1,40}", tenant in any::<String>()
        ) {
            let i = Identity::new()
                .with_conversation_id(conv.clone())
                .with_user_id(user.clone())
                .with_tenant_id(tenant.clone());
            let back = Identity::from_w3c_baggage(&i.to_w3c_baggage().unwrap_or_default(), 4096);
            prop_assert_eq!(back.conversation_id().map(str::to_string), clean(&conv, 4096).map(|s| s.to_string()));
            prop_assert_eq!(back.user_id().map(str::to_string), clean(&user, 4096).map(|s| s.to_string()));
            prop_assert_eq!(back.tenant_id().map(str::to_string), clean(&tenant, 4096).map(|s| s.to_string()));
        }

        #[test]
        fn encoded_values_are_valid_baggage_octets(value in any::<String>()) {
            let encoded = percent::encode(&value);
            prop_assert!(encoded.bytes().all(|b| b == b'%' || b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
            prop_assert_eq!(percent::decode(&encoded), value.as_str());
        }
    }
}
