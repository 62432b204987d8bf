//! OTLP/HTTP transport with protobuf or JSON bodies, gzip or zstd (hyper, and
//! rustls for `https://` endpoints only).
//!
//! Bodies are encoded and compressed once; a retry sends the same bytes. Answers
//! are read up to [`MAX_ANSWER_BYTES`]: a collector that sends more (an endless
//! body) costs a failed export, never the process's memory.

use super::error::{chain, ExportError};
use super::tls::TlsFiles;
use super::{Accepted, ExportResponse, ExporterBuildError, Signal};
use crate::config::{Compression, OtlpConfig, Protocol};
use crate::redact::collector_text;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use prost::Message;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Longest answer read: an OTLP answer is a few bytes; an error page a few
/// kilobytes. Anything longer is a broken or hostile collector.
pub(crate) const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Longest wait a `Retry-After` may ask for that is still honoured; a longer one
/// is beyond any export timeout anyway.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// A client for `http://` endpoints needs no TLS and no trust store: loading the
/// system's root certificates costs milliseconds at start for nothing.
enum HttpClient {
    Plain(Client<HttpConnector, Full<Bytes>>),
    Tls(Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>),
}

pub(crate) struct HttpTransport {
    client: HttpClient,
    url: hyper::Uri,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The header values, to hide them should the collector echo them.
    secrets: Vec<String>,
    json: bool,
    compression: Compression,
    signal: Signal,
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
    pub(crate) fn new(
        url: &str,
        config: &OtlpConfig,
        signal: Signal,
    ) -> Result<HttpTransport, ExporterBuildError> {
        let uri: hyper::Uri = url.parse().map_err(|e| {
            ExporterBuildError::Transport(format!(
                "invalid HTTP endpoint {}: {e}",
                crate::redact::endpoint(url)
            ))
        })?;
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(config.timeout));
        // Small protobuf requests should leave at once, not wait for more bytes.
        http.set_nodelay(true);
        let builder = Client::builder(TokioExecutor::new());
        let client = if uri.scheme_str() == Some("https") {
            http.enforce_http(false);
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_tls_config(rustls_config(config)?)
                .https_only()
                .enable_http1()
                .wrap_connector(http);
            HttpClient::Tls(builder.build(connector))
        } else {
            HttpClient::Plain(builder.build(http))
        };
        Ok(HttpTransport {
            client,
            url: uri,
            headers: headers(&config.headers)?,
            secrets: config.headers.iter().map(|(_, v)| v.clone()).collect(),
            json: config.protocol == Protocol::HttpJson,
            compression: config.compression,
            signal,
        })
    }

    /// A metrics request body, encoded (protobuf or JSON) but not compressed:
    /// its length is what the request limit applies to.
    pub(crate) fn encode_metrics(
        &self,
        request: &ExportMetricsServiceRequest,
    ) -> Result<Vec<u8>, ExportError> {
        if self.json {
            serde_json::to_vec(request)
                .map_err(|e| ExportError::Encoding(format!("JSON encoding: {e}")))
        } else {
            Ok(request.encode_to_vec())
        }
    }

    /// The body as sent: compressed once, here, so that retries send the same bytes.
    pub(crate) fn compress(&self, body: Vec<u8>) -> Result<Bytes, ExportError> {
        let body = match self.compression {
            Compression::None => body,
            Compression::Gzip => {
                gzip(&body).map_err(|e| ExportError::Encoding(format!("gzip: {e}")))?
            }
            Compression::Zstd => zstd::bulk::compress(&body, ZSTD_LEVEL)
                .map_err(|e| ExportError::Encoding(format!("zstd: {e}")))?,
        };
        Ok(Bytes::from(body))
    }

    pub(crate) async fn send(&self, body: &Bytes) -> Result<Accepted, ExportError> {
        // Exactly these content types: some receivers (rotel) refuse parameters
        // such as `; charset=utf-8`.
        let content_type = if self.json {
            "application/json"
        } else {
            "application/x-protobuf"
        };
        let mut req = hyper::Request::post(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static(content_type));
        match self.compression {
            Compression::None => {}
            Compression::Gzip => {
                req = req.header(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Compression::Zstd => {
                req = req.header(CONTENT_ENCODING, HeaderValue::from_static("zstd"));
            }
        }
        let mut req = req
            .body(Full::new(body.clone()))
            .map_err(|e| ExportError::Encoding(e.to_string()))?;
        for (k, v) in &self.headers {
            req.headers_mut().append(k.clone(), v.clone());
        }
        let sent = match &self.client {
            HttpClient::Plain(c) => c.request(req).await,
            HttpClient::Tls(c) => c.request(req).await,
        };
        let resp = sent.map_err(|e| ExportError::from_transport(&e, self.text(&chain(&e))))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let bytes = match Limited::new(resp.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                return Err(ExportError::ResponseTooLarge(MAX_ANSWER_BYTES));
            }
            // The status is what matters; a body cut short by a closed
            // connection leaves it readable.
            Err(_) => Bytes::new(),
        };
        if !status.is_success() {
            let body = String::from_utf8_lossy(&bytes);
            return Err(ExportError::Http {
                status: status.as_u16(),
                body: self.text(body.trim()),
                retry_after,
            });
        }
        let rejected = if self.json {
            super::json::rejected(&bytes, self.signal.json_rejected())
        } else {
            ExportResponse::decode(bytes).map_or(0, |r| r.rejected())
        };
        Ok(Accepted { rejected })
    }

    fn text(&self, raw: &str) -> String {
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        collector_text(raw, &secrets)
    }
}

/// `Retry-After`: a number of seconds, or an HTTP date (RFC 9110), measured
/// from `now`. A date in the past means "now"; an unreadable value is ignored.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(value)
            .ok()?
            .duration_since(now)
            .unwrap_or(Duration::ZERO),
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// zstd's default level: most of the gain for little CPU, like gzip's default.
const ZSTD_LEVEL: i32 = 3;

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("99999999999", now), Some(MAX_RETRY_AFTER));
    }
}
