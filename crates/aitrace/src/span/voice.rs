//! Voice pipeline spans, as in the OpenAI Agents SDK: `transcription {model}` and
//! `speech {model}` (CLIENT), grouped per turn under `speech_group` (INTERNAL).
//!
//! Neither the GenAI conventions nor OpenInference name these yet, so they carry
//! `ai.*` attributes only, whatever the dialects, and the kind marker every span
//! has (`LLM` for transcription and speech, `CHAIN` for the speech group).

use super::{builder_common, shared_cow, span_common, span_name, SpanCore, Start};
use crate::attributes::ai;
use crate::content::ContentKind;
use opentelemetry::trace::SpanKind;
use opentelemetry::Context;
use std::borrow::Cow;
use std::time::SystemTime;

/// What a transcription or speech builder holds.
#[derive(Debug)]
struct Audio<'a> {
    provider: Cow<'static, str>,
    model: Cow<'static, str>,
    format: Option<Cow<'static, str>>,
    sample_rate: Option<u32>,
    parent: Option<&'a Context>,
    start_time: Option<SystemTime>,
}

impl<'a> Audio<'a> {
    fn new(provider: Cow<'static, str>, model: Cow<'static, str>) -> Self {
        Audio {
            provider,
            model,
            format: None,
            sample_rate: None,
            parent: None,
            start_time: None,
        }
    }

    fn start(self, span_type: &'static str) -> SpanCore {
        let name = span_name(span_type, &self.model);
        SpanCore::start(
            Start {
                span_type,
                kind: SpanKind::Client,
                name,
                parent: self.parent,
                start_time: self.start_time,
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

/// The setters shared by the transcription and speech builders.
macro_rules! audio_setters {
    () => {
        /// The audio encoding, such as `pcm16`, `mp3` or `wav` (`ai.audio.format`).
        pub fn with_audio_format(mut self, format: impl Into<Cow<'static, str>>) -> Self {
            self.audio.format = Some(format.into());
            self
        }

        /// The audio sample rate in Hz (`ai.audio.sample_rate`).
        pub fn with_sample_rate(mut self, hz: u32) -> Self {
            self.audio.sample_rate = Some(hz);
            self
        }

        /// The parent of the span; the current context when not given.
        pub fn child_of(mut self, parent: &'a Context) -> Self {
            self.audio.parent = Some(parent);
            self
        }

        /// An explicit start time.
        pub fn with_start_time(mut self, time: SystemTime) -> Self {
            self.audio.start_time = Some(time);
            self
        }
    };
}

fn record_duration(core: &SpanCore, ms: f64) {
    core.record(|a| a.ai(ai::AUDIO_DURATION_MS, ms));
}

/// Builds a [`TranscriptionSpan`]. Made by [`crate::transcription`].
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct TranscriptionBuilder<'a> {
    audio: Audio<'a>,
}

impl<'a> TranscriptionBuilder<'a> {
    pub(crate) fn new(
        provider: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> Self {
        TranscriptionBuilder {
            audio: Audio::new(provider.into(), model.into()),
        }
    }

    audio_setters!();

    /// Starts the span.
    pub fn start(self) -> TranscriptionSpan {
        TranscriptionSpan {
            core: self.audio.start(ai::span_type::TRANSCRIPTION),
        }
    }
}

/// A running speech-to-text call. Ends on [`TranscriptionSpan::end`] or when dropped.
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
#[derive(Debug)]
pub struct TranscriptionSpan {
    core: SpanCore,
}

impl TranscriptionSpan {
    /// The length of the input audio, in milliseconds (`ai.audio.duration_ms`).
    pub fn record_audio_duration_ms(&self, ms: f64) {
        record_duration(&self.core, ms);
    }

    /// The text heard (`ai.output`, as a JSON string); only when content capture is on.
    pub fn record_output_text(&self, text: &str) {
        self.core
            .record_content(ContentKind::Output, text, |a, t| a.ai(ai::OUTPUT, t));
    }

    fn finish(&mut self, _dropped: bool) {}
}

span_common!(TranscriptionSpan);

/// Builds a [`SpeechSpan`]. Made by [`crate::speech`].
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct SpeechBuilder<'a> {
    audio: Audio<'a>,
}

impl<'a> SpeechBuilder<'a> {
    pub(crate) fn new(
        provider: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> Self {
        SpeechBuilder {
            audio: Audio::new(provider.into(), model.into()),
        }
    }

    audio_setters!();

    /// Starts the span.
    pub fn start(self) -> SpeechSpan {
        SpeechSpan {
            core: self.audio.start(ai::span_type::SPEECH),
        }
    }
}

/// A running text-to-speech call. Ends on [`SpeechSpan::end`] or when dropped.
///
/// ```
/// let tts = aitrace::speech("openai", "gpt-4o-mini-tts").with_audio_format("mp3").start();
/// tts.record_input_text("Your balance is 42 euros."); // only with content capture on
/// tts.record_audio_duration_ms(1800.0);
/// tts.end();
/// ```
#[derive(Debug)]
pub struct SpeechSpan {
    core: SpanCore,
}

impl SpeechSpan {
    /// The length of the audio produced, in milliseconds (`ai.audio.duration_ms`).
    pub fn record_audio_duration_ms(&self, ms: f64) {
        record_duration(&self.core, ms);
    }

    /// The text spoken (`ai.input`, as a JSON string); only when content capture is on.
    pub fn record_input_text(&self, text: &str) {
        self.core
            .record_content(ContentKind::Input, text, |a, t| a.ai(ai::INPUT, t));
    }

    fn finish(&mut self, _dropped: bool) {}
}

span_common!(SpeechSpan);

/// Builds a [`SpeechGroupSpan`]. Made by [`crate::speech_group`].
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until .start()"]
pub struct SpeechGroupBuilder<'a> {
    parent: Option<&'a Context>,
    start_time: Option<SystemTime>,
}

builder_common!(SpeechGroupBuilder);

impl<'a> SpeechGroupBuilder<'a> {
    pub(crate) fn new() -> Self {
        SpeechGroupBuilder::default()
    }

    /// Starts the span.
    pub fn start(self) -> SpeechGroupSpan {
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::SPEECH_GROUP,
                kind: SpanKind::Internal,
                name: Cow::Borrowed(ai::span_type::SPEECH_GROUP),
                parent: self.parent,
                start_time: self.start_time,
            },
            |_| {},
            |_| {},
        );
        SpeechGroupSpan { core }
    }
}

/// One turn of a voice pipeline: the parent of that turn's transcription and
/// speech spans. Ends on [`SpeechGroupSpan::end`] or when dropped.
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
#[derive(Debug)]
pub struct SpeechGroupSpan {
    core: SpanCore,
}

impl SpeechGroupSpan {
    fn finish(&mut self, _dropped: bool) {}
}

span_common!(SpeechGroupSpan);
