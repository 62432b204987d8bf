//! Exact attributes, names and kinds of the voice pipeline spans (transcription,
//! speech, speech group): `ai.*` only, in every dialect configuration.

mod support;

use aitrace::Dialects;
use aitrace_sdk::testing::{by_name, tree_shape};
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use support::{assert_attrs, configs, run, s, Expect};

fn turn() {
    let group = aitrace::speech_group().start();
    group.in_scope(|| {
        let stt = aitrace::transcription("openai", "gpt-4o-transcribe")
            .with_audio_format("pcm16")
            .with_sample_rate(24_000)
            .start();
        stt.record_audio_duration_ms(2350.5);
        stt.record_output_text("what is my balance?");
        stt.end();
        let tts = aitrace::speech("openai", "gpt-4o-mini-tts")
            .with_audio_format("mp3")
            .start();
        tts.record_input_text("Your balance is 42 euros.");
        tts.record_audio_duration_ms(1800.0);
        tts.end();
    });
    group.end();
}

fn transcription_expect(d: Dialects) -> Expect {
    Expect::span(d, "transcription")
        .kind("LLM")
        .ai("ai.provider", s("openai"))
        .ai("ai.model", s("gpt-4o-transcribe"))
        .ai("ai.audio.format", s("pcm16"))
        .ai("ai.audio.sample_rate", Value::I64(24_000))
        .ai("ai.audio.duration_ms", Value::F64(2350.5))
}

fn speech_expect(d: Dialects) -> Expect {
    Expect::span(d, "speech")
        .kind("LLM")
        .ai("ai.provider", s("openai"))
        .ai("ai.model", s("gpt-4o-mini-tts"))
        .ai("ai.audio.format", s("mp3"))
        .ai("ai.audio.duration_ms", Value::F64(1800.0))
}

#[test]
fn voice_turn_without_content_capture() {
    for (label, d) in configs() {
        let spans = run(d, false, turn);
        assert_eq!(
            tree_shape(&spans),
            "invoke_workflow attribute_checks\n  speech_group\n    transcription gpt-4o-transcribe\n    speech gpt-4o-mini-tts\n",
            "{label}"
        );
        let group = by_name(&spans, "speech_group");
        assert_eq!(group.span_kind, SpanKind::Internal, "{label}");
        assert_attrs(group, &Expect::span(d, "speech_group").kind("CHAIN"));

        let stt = by_name(&spans, "transcription gpt-4o-transcribe");
        assert_eq!(stt.span_kind, SpanKind::Client, "{label}");
        assert_attrs(stt, &transcription_expect(d));

        let tts = by_name(&spans, "speech gpt-4o-mini-tts");
        assert_eq!(tts.span_kind, SpanKind::Client, "{label}");
        assert_attrs(tts, &speech_expect(d));
    }
}

#[test]
fn voice_turn_with_content_capture() {
    for (_, d) in configs() {
        let spans = run(d, true, turn);
        assert_attrs(
            by_name(&spans, "speech_group"),
            &Expect::span(d, "speech_group").kind("CHAIN"),
        );
        let expect = transcription_expect(d).ai("ai.output", s("\"what is my balance?\""));
        assert_attrs(by_name(&spans, "transcription gpt-4o-transcribe"), &expect);
        let expect = speech_expect(d).ai("ai.input", s("\"Your balance is 42 euros.\""));
        assert_attrs(by_name(&spans, "speech gpt-4o-mini-tts"), &expect);
    }
}

#[test]
fn voice_spans_with_provider_and_model_only() {
    for (_, d) in configs() {
        let spans = run(d, false, || {
            aitrace::transcription("acme", "stt-1").start().end();
            aitrace::speech("acme", "tts-1").start().end();
        });
        let expect = Expect::span(d, "transcription")
            .kind("LLM")
            .ai("ai.provider", s("acme"))
            .ai("ai.model", s("stt-1"));
        assert_attrs(by_name(&spans, "transcription stt-1"), &expect);
        let expect = Expect::span(d, "speech")
            .kind("LLM")
            .ai("ai.provider", s("acme"))
            .ai("ai.model", s("tts-1"));
        assert_attrs(by_name(&spans, "speech tts-1"), &expect);
    }
}
