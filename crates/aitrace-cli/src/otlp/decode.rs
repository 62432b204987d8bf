//! OTLP/HTTP request bodies: content type and encoding from the headers, the
//! body decompressed through a size cap (a gzip bomb stops at the cap, not at
//! the end of memory), then decoded as protobuf or as OTLP/JSON.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use std::borrow::Cow;
use std::io::Read;

/// Why a request body was refused. The messages are short: they go back to the sender.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    /// The body, or what it decompresses to, is larger than the cap.
    #[error(
        "request body larger than {limit} bytes (decompressed); split it into smaller requests"
    )]
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// `Content-Type` is not one OTLP/HTTP uses.
    #[error("unsupported Content-Type {0:?}: expected application/x-protobuf or application/json")]
    UnsupportedType(String),
    /// `Content-Encoding` is not one we decompress.
    #[error("unsupported Content-Encoding {0:?}: expected gzip, deflate, zstd or none")]
    UnsupportedEncoding(String),
    /// The body does not decompress.
    #[error("body is not valid {encoding}: {reason}")]
    Compression {
        /// The encoding named by the request.
        encoding: &'static str,
        /// What the decompressor said.
        reason: String,
    },
    /// The body is not the OTLP export request of its path.
    #[error("malformed OTLP {format} {message}: {reason}")]
    Malformed {
        /// `protobuf` or `JSON`.
        format: &'static str,
        /// The message expected: `ExportTraceServiceRequest`, `ExportMetricsServiceRequest`.
        message: &'static str,
        /// What the decoder said.
        reason: String,
    },
}

/// The encoding of an OTLP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `application/x-protobuf`.
    Protobuf,
    /// `application/json` (the OTLP/JSON mapping).
    Json,
}

impl Format {
    /// The format a `Content-Type` header names (parameters such as `charset` ignored).
    ///
    /// # Errors
    /// [`DecodeError::UnsupportedType`] for anything else, or no header.
    pub fn of(content_type: Option<&str>) -> Result<Format, DecodeError> {
        let raw = content_type.unwrap_or("");
        let essence = raw.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(Format::Protobuf),
            "application/json" => Ok(Format::Json),
            _ => Err(DecodeError::UnsupportedType(one_line(raw))),
        }
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Protobuf => "application/x-protobuf",
            Format::Json => "application/json",
        }
    }
}

/// The compression of a request body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// None.
    Identity,
    /// gzip.
    Gzip,
    /// zlib (`deflate` as HTTP names it).
    Deflate,
    /// zstd.
    Zstd,
}

impl Encoding {
    /// The encoding a `Content-Encoding` header names.
    ///
    /// # Errors
    /// [`DecodeError::UnsupportedEncoding`] for anything else.
    pub fn of(content_encoding: Option<&str>) -> Result<Encoding, DecodeError> {
        match content_encoding
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "" | "identity" => Ok(Encoding::Identity),
            "gzip" | "x-gzip" => Ok(Encoding::Gzip),
            "deflate" => Ok(Encoding::Deflate),
            "zstd" => Ok(Encoding::Zstd),
            _ => Err(DecodeError::UnsupportedEncoding(one_line(
                content_encoding.unwrap_or(""),
            ))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Encoding::Identity => "identity",
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
            Encoding::Zstd => "zstd",
        }
    }
}

/// `body` decompressed, at most `limit` bytes of it.
///
/// # Errors
/// [`DecodeError::TooLarge`] past the cap; [`DecodeError::Compression`] for a
/// body that does not decompress.
pub fn decompress(
    body: &[u8],
    encoding: Encoding,
    limit: usize,
) -> Result<Cow<'_, [u8]>, DecodeError> {
    if body.len() > limit && encoding == Encoding::Identity {
        return Err(DecodeError::TooLarge { limit });
    }
    let read = |reader: &mut dyn Read| -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::with_capacity((body.len() * 4).min(limit));
        reader
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| DecodeError::Compression {
                encoding: encoding.name(),
                reason: e.to_string(),
            })?;
        if out.len() > limit {
            return Err(DecodeError::TooLarge { limit });
        }
        Ok(out)
    };
    Ok(match encoding {
        Encoding::Identity => Cow::Borrowed(body),
        Encoding::Gzip => Cow::Owned(read(&mut flate2::read::MultiGzDecoder::new(body))?),
        Encoding::Deflate => Cow::Owned(read(&mut flate2::read::ZlibDecoder::new(body))?),
        Encoding::Zstd => {
            let mut decoder =
                zstd::stream::read::Decoder::new(body).map_err(|e| DecodeError::Compression {
                    encoding: "zstd",
                    reason: e.to_string(),
                })?;
            Cow::Owned(read(&mut decoder)?)
        }
    })
}

/// An OTLP trace export request from its (decompressed) body.
///
/// # Errors
/// [`DecodeError::Malformed`], with the decoder's reason.
pub fn decode_request(
    body: &[u8],
    format: Format,
) -> Result<ExportTraceServiceRequest, DecodeError> {
    decode_message(body, format, "ExportTraceServiceRequest")
}

/// An OTLP export message of any signal (`message` names it in errors) from
/// its (decompressed) body.
///
/// # Errors
/// [`DecodeError::Malformed`], with the decoder's reason.
pub fn decode_message<M>(
    body: &[u8],
    format: Format,
    message: &'static str,
) -> Result<M, DecodeError>
where
    M: Message + Default + serde::de::DeserializeOwned,
{
    match format {
        Format::Protobuf => M::decode(body).map_err(|e| DecodeError::Malformed {
            format: "protobuf",
            message,
            reason: e.to_string(),
        }),
        Format::Json => serde_json::from_slice(body).map_err(|e| DecodeError::Malformed {
            format: "JSON",
            message,
            reason: e.to_string(),
        }),
    }
}

/// A header value fit to be quoted back: one line, at most 100 characters.
fn one_line(s: &str) -> String {
    s.chars()
        .take(100)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn content_types_and_encodings() {
        assert_eq!(
            Format::of(Some("application/x-protobuf")),
            Ok(Format::Protobuf)
        );
        assert_eq!(
            Format::of(Some("application/json; charset=utf-8")),
            Ok(Format::Json)
        );
        assert!(matches!(
            Format::of(Some("text/plain")),
            Err(DecodeError::UnsupportedType(t)) if t == "text/plain"
        ));
        assert!(Format::of(None).is_err());
        assert_eq!(Encoding::of(Some("GZIP")), Ok(Encoding::Gzip));
        assert_eq!(Encoding::of(None), Ok(Encoding::Identity));
        assert!(Encoding::of(Some("br")).is_err());
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 50 * 1024 * 1024]);
        assert!(bomb.len() < 512 * 1024, "{}", bomb.len());
        assert_eq!(
            decompress(&bomb, Encoding::Gzip, 1024 * 1024),
            Err(DecodeError::TooLarge { limit: 1024 * 1024 })
        );
        let small = gzip(b"hello");
        assert_eq!(
            decompress(&small, Encoding::Gzip, 5).unwrap().as_ref(),
            b"hello"
        );
        assert!(matches!(
            decompress(b"not gzip", Encoding::Gzip, 100),
            Err(DecodeError::Compression {
                encoding: "gzip",
                ..
            })
        ));
        assert_eq!(
            decompress(&[0; 11], Encoding::Identity, 10),
            Err(DecodeError::TooLarge { limit: 10 })
        );
    }

    #[test]
    fn deflate_bodies_decompress() {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"otlp").unwrap();
        let body = e.finish().unwrap();
        assert_eq!(
            decompress(&body, Encoding::Deflate, 100).unwrap().as_ref(),
            b"otlp"
        );
        assert_eq!(Encoding::of(Some("deflate")), Ok(Encoding::Deflate));
    }

    #[test]
    fn zstd_bodies_are_capped_too() {
        let bomb = zstd::encode_all(&vec![7u8; 8 * 1024 * 1024][..], 3).unwrap();
        assert_eq!(
            decompress(&bomb, Encoding::Zstd, 1024),
            Err(DecodeError::TooLarge { limit: 1024 })
        );
    }

    #[test]
    fn malformed_bodies_say_why() {
        let e = decode_request(b"\xff\xff\xff", Format::Protobuf).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("malformed OTLP protobuf ExportTraceServiceRequest: "),
            "{e}"
        );
        let e = decode_request(b"{\"resourceSpans\": 3}", Format::Json).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("malformed OTLP JSON ExportTraceServiceRequest: "),
            "{e}"
        );
        let ok = decode_request(b"{}", Format::Json).unwrap();
        assert!(ok.resource_spans.is_empty());
    }
}
