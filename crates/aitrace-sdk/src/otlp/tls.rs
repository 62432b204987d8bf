//! TLS settings shared by the gRPC and HTTP transports.

use super::ExporterBuildError;
use crate::config::OtlpConfig;
use std::path::Path;

/// The PEM files named in the configuration, read.
pub(crate) struct TlsFiles {
    /// The private CA's certificate(s); system roots are used when absent.
    pub(crate) ca: Option<Vec<u8>>,
    /// The client certificate and key, for mutual TLS.
    pub(crate) identity: Option<(Vec<u8>, Vec<u8>)>,
}

/// Read as `OtlpConfig::validate` checked them: regular files, bounded in size.
fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, ExporterBuildError> {
    crate::config::read_pem_file(path).map_err(|e| ExporterBuildError::Certificate {
        what,
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

impl TlsFiles {
    pub(crate) fn load(config: &OtlpConfig) -> Result<TlsFiles, ExporterBuildError> {
        let ca = config
            .certificate
            .as_deref()
            .map(|p| read("CA certificate", p))
            .transpose()?;
        // `OtlpConfig::validate` has dropped a lone half of the client pair.
        let identity = match (&config.client_certificate, &config.client_key) {
            (Some(c), Some(k)) => Some((read("client certificate", c)?, read("client key", k)?)),
            _ => None,
        };
        Ok(TlsFiles { ca, identity })
    }
}
