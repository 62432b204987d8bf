//! Voice pipeline spans, as in the OpenAI Agents SDK: `transcription {model}` and
//! `speech {model}` (CLIENT), grouped per turn under `speech_group` (INTERNAL).
//!
//! Neither the GenAI conventions nor OpenInference name these yet, so they carry
//! `ai.*` attributes only, whatever the dialects, and the kind marker every span
//! has (`LLM` for transcription and speech, `CHAIN` for the speech group).

use super::guard::sealed::Sealed;
use super::{shared_cow, span_name, AiSpan, Base, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::ai;
use crate::content::ContentKind;
use opentelemetry::trace::SpanKind;
use std::borrow::Cow;

/// What a transcription or speech span is told about its audio.
#[derive(Debug)]
pub struct Audio {
    provider: Cow<'static, str>,
    model: Cow<'static, str>,
    format: Option<Cow<'static, str>>,
    sample_rate: Option<u32>,
}

impl Audio {
    fn new(provider: Cow<'static, str>, model: Cow<'static, str>) -> Self {
        Audio {
            provider,
            model,
            format: None,
            sample_rate: None,
        }
    }

    fn start(&self, span_type: &'static str, base: Base<'_>) -> SpanCore {
        let name = span_name(span_type, &self.model);
        SpanCore::start(
            Start {
                span_type,
                kind: SpanKind::Client,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |_| {},
            |a| {
                a.ai(ai::PROVIDER, shared_cow(&self.provider));
                a.ai(ai::MODEL, shared_cow(&self.model));
                if let Some(f) = &self.format {
                    a.ai(ai::AUDIO_FORMAT, shared_cow(f));
                }
                if let Some(rate) = self.sample_rate {
                    a.ai(ai::AUDIO_SAMPLE_RATE, i64::from(rate));
                }
            },
        )
    }
}

/// A kind whose span describes audio: transcription and speech.
pub trait HasAudio {
    fn audio(&mut self) -> &mut Audio;
}

impl<K: Kind + HasAudio> SpanBuilder<'_, K> {
    /// The audio encoding, such as `pcm16`, `mp3` or `wav` (`ai.audio.format`).
    pub fn with_audio_format(mut self, format: impl Into<Cow<'static, str>>) -> Self {
        self.kind.audio().format = Some(format.into());
        self
    }

    /// The audio sample rate in Hz (`ai.audio.sample_rate`).
    pub fn with_sample_rate(mut self, hz: u32) -> Self {
        self.kind.audio().sample_rate = Some(hz);
        self
    }
}

impl<K: Kind + HasAudio> AiSpan<K> {
    /// The length of the audio heard or produced, in milliseconds
    /// (`ai.audio.duration_ms`).
    pub fn record_audio_duration_ms(&self, ms: f64) {
        self.core.record(|a| a.ai(ai::AUDIO_DURATION_MS, ms));
    }
}

/// The transcription kind: a `transcription {model}` span
/// ([`crate::TranscriptionSpan`]), built by [`crate::transcription`].
#[derive(Debug)]
pub struct Transcription(Audio);

impl Transcription {
    pub(crate) fn new(
        provider: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> Transcription {
        Transcription(Audio::new(provider.into(), model.into()))
    }
}

impl HasAudio for Transcription {
    fn audio(&mut self) -> &mut Audio {
        &mut self.0
    }
}

impl Sealed for Transcription {}

impl Kind for Transcription {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        self.0.start(ai::span_type::TRANSCRIPTION, base)
    }
}

/// A running speech-to-text call ([`crate::TranscriptionSpan`]).
///
/// ```
/// let stt = aitrace::transcription("openai", "gpt-4o-transcribe")
///     .with_audio_format("pcm16")
///     .with_sample_rate(24_000)
///     .start();
/// stt.record_audio_duration_ms(2350.0);
/// stt.record_output_text("what is my balance?"); // only with content capture on
/// stt.end();
/// ```
impl AiSpan<Transcription> {
    /// The text heard (`ai.output`, as a JSON string); only when content capture is on.
    pub fn record_output_text(&self, text: &str) {
        self.core
            .record_content(ContentKind::Output, text, |a, t| a.ai(ai::OUTPUT, t));
    }
}

/// The speech kind: a `speech {model}` span ([`crate::SpeechSpan`]), built by
/// [`crate::speech`].
#[derive(Debug)]
pub struct Speech(Audio);

impl Speech {
    pub(crate) fn new(
        provider: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> Speech {
        Speech(Audio::new(provider.into(), model.into()))
    }
}

impl HasAudio for Speech {
    fn audio(&mut self) -> &mut Audio {
        &mut self.0
    }
}

impl Sealed for Speech {}

impl Kind for Speech {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        self.0.start(ai::span_type::SPEECH, base)
    }
}

/// A running text-to-speech call ([`crate::SpeechSpan`]).
///
/// ```
/// let tts = aitrace::speech("openai", "gpt-4o-mini-tts").with_audio_format("mp3").start();
/// tts.record_input_text("Your balance is 42 euros."); // only with content capture on
/// tts.record_audio_duration_ms(1800.0);
/// tts.end();
/// ```
impl AiSpan<Speech> {
    /// The text spoken (`ai.input`, as a JSON string); only when content capture is on.
    pub fn record_input_text(&self, text: &str) {
        self.core
            .record_content(ContentKind::Input, text, |a, t| a.ai(ai::INPUT, t));
    }
}

/// The speech group kind: one turn of a voice pipeline, `speech_group`
/// ([`crate::SpeechGroupSpan`]), the parent of that turn's transcription and
/// speech spans; built by [`crate::speech_group`].
///
/// ```
/// let turn = aitrace::speech_group().start();
/// turn.in_scope(|| {
///     let stt = aitrace::transcription("openai", "gpt-4o-transcribe").start();
///     stt.record_audio_duration_ms(2350.0);
///     stt.end();
///     let tts = aitrace::speech("openai", "gpt-4o-mini-tts").start();
///     tts.record_audio_duration_ms(1800.0);
///     tts.end();
/// });
/// turn.end();
/// ```
#[derive(Debug, Default)]
pub struct SpeechGroup;

impl Sealed for SpeechGroup {}

impl Kind for SpeechGroup {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        SpanCore::start(
            Start {
                span_type: ai::span_type::SPEECH_GROUP,
                kind: SpanKind::Internal,
                name: Cow::Borrowed(ai::span_type::SPEECH_GROUP),
                parent: base.parent,
                start_time: base.start_time,
            },
            |_| {},
            |_| {},
        )
    }
}
