"""The parts of `aws acm describe-certificate` netgen reads (botocore `acm/2015-12-08`)."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen


@frozen
class AcmCertificate:
    CertificateArn: str
    DomainName: str
    SubjectAlternativeNames: tuple[str, ...] = ()
    Status: str | None = None
    Type: str | None = None  # AMAZON_ISSUED | IMPORTED | PRIVATE
    NotBefore: datetime | None = None
    NotAfter: datetime | None = None
    InUseBy: tuple[str, ...] = ()


@frozen
class CertificateFile:
    Certificate: AcmCertificate
