"""The OTLP exporter the test scripts send with: gRPC or HTTP/protobuf to an
`aitrace serve` endpoint, remembering whether any export failed so the script
can exit 1 (a test must not pass on spans that never left)."""
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult


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


def provider(protocol, endpoint, service):
    """A tracer provider exporting each span as it ends to `endpoint` with
    `protocol` (`grpc` or `http`); returns (provider, checked exporter)."""
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        inner = OTLPSpanExporter(endpoint=endpoint, insecure=True)
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        inner = OTLPSpanExporter(endpoint=endpoint + "/v1/traces")
    exporter = Checked(inner)
    tracer_provider = TracerProvider(resource=Resource.create({"service.name": service}))
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return tracer_provider, exporter
