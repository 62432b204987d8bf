//! OTLP/HTTP transport with protobuf or JSON bodies, gzip or zstd (hyper + rustls).

use super::tls::TlsFiles;
use super::{Accepted, ExportError, ExporterBuildError};
use crate::config::{Compression, OtlpConfig, Protocol};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write;
use std::sync::Arc;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

pub(crate) struct HttpTransport {
    client: HttpsClient,
    url: hyper::Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    json: bool,
    compression: Compression,
}

/// The configured headers as HTTP headers. `OtlpConfig::validate` has refused
/// what HTTP cannot carry; should anything slip through, it is an error that
/// names the header, never its value.
fn headers(
    list: &[(String, String)],
) -> Result<Vec<(HeaderName, HeaderValue)>, ExporterBuildError> {
    list.iter()
        .map(|(k, v)| {
            let refused = || {
                ExporterBuildError::Transport(format!(
                    "header {k} cannot be sent over HTTP (value not shown)"
                ))
            };
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| refused())?;
            let mut value = HeaderValue::from_str(v).map_err(|_| refused())?;
            value.set_sensitive(true);
            Ok((name, value))
        })
        .collect()
}

fn cert_error(
    what: &'static str,
    path: Option<&std::path::Path>,
    e: impl std::fmt::Display,
) -> ExporterBuildError {
    ExporterBuildError::Certificate {
        what,
        path: path.map(|p| p.display().to_string()).unwrap_or_default(),
        message: e.to_string(),
    }
}

fn rustls_config(config: &OtlpConfig) -> Result<rustls::ClientConfig, ExporterBuildError> {
    let files = TlsFiles::load(config)?;
    let mut roots = rustls::RootCertStore::empty();
    match files.ca {
        Some(pem) => {
            let path = config.certificate.as_deref();
            let mut n = 0;
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| cert_error("CA certificate", path, e))?;
                roots
                    .add(cert)
                    .map_err(|e| cert_error("CA certificate", path, e))?;
                n += 1;
            }
            if n == 0 {
                return Err(cert_error(
                    "CA certificate",
                    path,
                    "no PEM certificate found",
                ));
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ExporterBuildError::Transport(e.to_string()))?
        .with_root_certificates(roots);
    let cfg = match files.identity {
        Some((cert, key)) => {
            let cpath = config.client_certificate.as_deref();
            let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&cert).collect();
            let certs = certs.map_err(|e| cert_error("client certificate", cpath, e))?;
            let key = PrivateKeyDer::from_pem_slice(&key)
                .map_err(|e| cert_error("client key", config.client_key.as_deref(), e))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| cert_error("client certificate", cpath, e))?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(cfg)
}

impl HttpTransport {
    pub(crate) fn new(url: &str, config: &OtlpConfig) -> Result<HttpTransport, ExporterBuildError> {
        let uri: hyper::Uri = url.parse().map_err(|e| {
            ExporterBuildError::Transport(format!("invalid HTTP endpoint {url}: {e}"))
        })?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.timeout));
        // Small protobuf requests should leave at once, not wait for more bytes.
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(rustls_config(config)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(HttpTransport {
            client,
            url: uri,
            headers: headers(&config.headers)?,
            json: config.protocol == Protocol::HttpJson,
            compression: config.compression,
        })
    }

    pub(crate) async fn send(
        &self,
        request: ExportTraceServiceRequest,
    ) -> Result<Accepted, ExportError> {
        let (body, content_type) = if self.json {
            let body = super::json::encode(request)
                .map_err(|e| ExportError::Encoding(format!("JSON encoding: {e}")))?;
            (body, "application/json")
        } else {
            (request.encode_to_vec(), "application/x-protobuf")
        };
        // Exactly these content types: some receivers (rotel) refuse parameters
        // such as `; charset=utf-8`.
        let mut req = hyper::Request::post(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static(content_type));
        let body = match self.compression {
            Compression::None => body,
            Compression::Gzip => {
                req = req.header(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                gzip(&body).map_err(|e| ExportError::Encoding(format!("gzip: {e}")))?
            }
            Compression::Zstd => {
                req = req.header(CONTENT_ENCODING, HeaderValue::from_static("zstd"));
                zstd::bulk::compress(&body, ZSTD_LEVEL)
                    .map_err(|e| ExportError::Encoding(format!("zstd: {e}")))?
            }
        };
        let mut req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ExportError::Transport(e.to_string()))?;
        for (k, v) in &self.headers {
            req.headers_mut().append(k.clone(), v.clone());
        }
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| ExportError::Transport(chain(&e)))?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        if !status.is_success() {
            return Err(ExportError::HttpStatus(status.as_u16()));
        }
        let rejected = if self.json {
            super::json::rejected_spans(&bytes)
        } else {
            ExportTraceServiceResponse::decode(bytes)
                .ok()
                .and_then(|r| r.partial_success)
                .map_or(0, |p| p.rejected_spans.max(0) as u64)
        };
        Ok(Accepted {
            rejected_spans: rejected,
        })
    }
}

/// zstd's default level: most of the gain for little CPU, like gzip's default.
const ZSTD_LEVEL: i32 = 3;

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body)?;
    enc.finish()
}

/// An error with its causes (TLS verification failures live in the sources).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
