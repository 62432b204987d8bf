"""Sends one agent run to an OTLP endpoint with the OpenTelemetry Python SDK, the
way an application instrumented by OpenLLMetry (gen_ai attributes on the model
call) and OpenInference (a tool span) would. Prints the trace id (32 hex digits).

Usage: python send_spans.py grpc|http ENDPOINT CONVERSATION_ID
Exits 1 if the exporter reports a failure.
"""
import json
import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status, StatusCode

protocol, endpoint, conversation = sys.argv[1], sys.argv[2], sys.argv[3]
if protocol == "grpc":
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    inner = OTLPSpanExporter(endpoint=endpoint, insecure=True)
else:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    inner = OTLPSpanExporter(endpoint=endpoint + "/v1/traces")


class Checked(SpanExporter):
    """Passes spans on and remembers whether any export failed."""

    def __init__(self, inner):
        self.inner = inner
        self.failed = 0

    def export(self, spans):
        result = self.inner.export(spans)
        if result != SpanExportResult.SUCCESS:
            self.failed += len(spans)
        return result

    def shutdown(self):
        self.inner.shutdown()


exporter = Checked(inner)
provider = TracerProvider(resource=Resource.create({"service.name": f"python-{protocol}"}))
provider.add_span_processor(SimpleSpanProcessor(exporter))
tracer = provider.get_tracer("send_spans")

with tracer.start_as_current_span("agent run") as root:
    root.set_attribute("session.id", conversation)
    with tracer.start_as_current_span("chat gpt-4o-mini", kind=trace.SpanKind.CLIENT) as chat:
        chat.set_attribute("gen_ai.operation.name", "chat")
        chat.set_attribute("gen_ai.provider.name", "openai")
        chat.set_attribute("gen_ai.request.model", "gpt-4o-mini")
        chat.set_attribute("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
        chat.set_attribute("gen_ai.usage.input_tokens", 1200)
        chat.set_attribute("gen_ai.usage.output_tokens", 80)
        chat.set_attribute(
            "gen_ai.input.messages",
            json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Where is my parcel?"}]}]),
        )
    with tracer.start_as_current_span("lookup_parcel") as tool:
        tool.set_attribute("openinference.span.kind", "TOOL")
        tool.set_attribute("tool.name", "lookup_parcel")
        tool.set_status(Status(StatusCode.ERROR, "carrier API down"))
    trace_id = root.get_span_context().trace_id

provider.shutdown()
print(format(trace_id, "032x"))
sys.exit(1 if exporter.failed else 0)
