"""The parts of `aws appmesh describe-*` / `list-*` output netgen reads.

Field names are the exact camelCase keys of botocore's `appmesh/2019-01-25` model, as the
AWS CLI prints them (see the fixture folder's SOURCES.md), so a structuring error names the
key the user sees. Unknown keys are ignored: AWS adds fields over time.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen


@frozen
class Metadata:
    arn: str
    createdAt: datetime | None = None
    version: int | None = None


@frozen
class Status:
    status: str | None = None


@frozen
class Duration:
    unit: str | None = None  # "s" | "ms"
    value: int | None = None

    def text(self) -> str | None:
        if self.value is None:
            return None
        return f"{self.value}{'ms' if self.unit == 'ms' else 's'}"


@frozen
class PortMapping:
    port: int
    protocol: str  # http | http2 | grpc | tcp


@frozen
class HttpTimeout:
    perRequest: Duration | None = None
    idle: Duration | None = None


@frozen
class ListenerTimeout:
    http: HttpTimeout | None = None
    http2: HttpTimeout | None = None
    grpc: HttpTimeout | None = None
    tcp: HttpTimeout | None = None


@frozen
class Listener:
    portMapping: PortMapping
    timeout: ListenerTimeout | None = None
    healthCheck: dict | None = None
    outlierDetection: dict | None = None
    connectionPool: dict | None = None
    tls: dict | None = None


# --- mesh -------------------------------------------------------------------------------


@frozen
class EgressFilter:
    type: str | None = None


@frozen
class MeshSpec:
    egressFilter: EgressFilter | None = None


@frozen
class Mesh:
    meshName: str
    metadata: Metadata
    spec: MeshSpec = MeshSpec()
    status: Status | None = None


# --- virtual nodes ----------------------------------------------------------------------


@frozen
class DnsDiscovery:
    hostname: str


@frozen
class CloudMapDiscovery:
    namespaceName: str
    serviceName: str


@frozen
class ServiceDiscovery:
    dns: DnsDiscovery | None = None
    awsCloudMap: CloudMapDiscovery | None = None


@frozen
class VirtualServiceBackend:
    virtualServiceName: str
    clientPolicy: dict | None = None


@frozen
class Backend:
    virtualService: VirtualServiceBackend | None = None


@frozen
class VirtualNodeSpec:
    listeners: tuple[Listener, ...] = ()
    serviceDiscovery: ServiceDiscovery | None = None
    backends: tuple[Backend, ...] = ()
    backendDefaults: dict | None = None


@frozen
class VirtualNode:
    meshName: str
    virtualNodeName: str
    metadata: Metadata
    spec: VirtualNodeSpec = VirtualNodeSpec()
    status: Status | None = None


# --- virtual services and routers ---------------------------------------------------------


@frozen
class RouterRef:
    virtualRouterName: str


@frozen
class NodeRef:
    virtualNodeName: str


@frozen
class Provider:
    virtualRouter: RouterRef | None = None
    virtualNode: NodeRef | None = None


@frozen
class VirtualServiceSpec:
    provider: Provider | None = None


@frozen
class VirtualService:
    meshName: str
    virtualServiceName: str
    metadata: Metadata
    spec: VirtualServiceSpec = VirtualServiceSpec()
    status: Status | None = None


@frozen
class RouterListener:
    portMapping: PortMapping


@frozen
class VirtualRouterSpec:
    listeners: tuple[RouterListener, ...] = ()


@frozen
class VirtualRouter:
    meshName: str
    virtualRouterName: str
    metadata: Metadata
    spec: VirtualRouterSpec = VirtualRouterSpec()
    status: Status | None = None


# --- routes -----------------------------------------------------------------------------


@frozen
class WeightedTarget:
    virtualNode: str
    weight: int
    port: int | None = None


@frozen
class RouteAction:
    weightedTargets: tuple[WeightedTarget, ...]


@frozen
class MatchRange:
    start: int
    end: int


@frozen
class HeaderMatchMethod:
    exact: str | None = None
    prefix: str | None = None
    suffix: str | None = None
    regex: str | None = None
    range: MatchRange | None = None


@frozen
class HttpRouteHeader:
    name: str
    invert: bool | None = None
    match: HeaderMatchMethod | None = None


@frozen
class HttpPathMatch:
    exact: str | None = None
    regex: str | None = None


@frozen
class QueryParameterMatch:
    exact: str | None = None


@frozen
class HttpQueryParameter:
    name: str
    match: QueryParameterMatch | None = None


@frozen
class HttpRouteMatch:
    prefix: str | None = None
    path: HttpPathMatch | None = None
    headers: tuple[HttpRouteHeader, ...] = ()
    method: str | None = None
    scheme: str | None = None
    queryParameters: tuple[HttpQueryParameter, ...] = ()
    port: int | None = None


@frozen
class RetryPolicy:
    maxRetries: int
    perRetryTimeout: Duration
    httpRetryEvents: tuple[str, ...] = ()
    tcpRetryEvents: tuple[str, ...] = ()
    grpcRetryEvents: tuple[str, ...] = ()


@frozen
class HttpRoute:
    match: HttpRouteMatch
    action: RouteAction
    retryPolicy: RetryPolicy | None = None
    timeout: HttpTimeout | None = None


@frozen
class GrpcRouteMetadata:
    name: str
    invert: bool | None = None
    match: HeaderMatchMethod | None = None


@frozen
class GrpcRouteMatch:
    serviceName: str | None = None
    methodName: str | None = None
    metadata: tuple[GrpcRouteMetadata, ...] = ()
    port: int | None = None


@frozen
class GrpcRoute:
    match: GrpcRouteMatch
    action: RouteAction
    retryPolicy: RetryPolicy | None = None
    timeout: HttpTimeout | None = None


@frozen
class TcpRouteMatch:
    port: int | None = None


@frozen
class TcpRoute:
    action: RouteAction
    match: TcpRouteMatch | None = None
    timeout: HttpTimeout | None = None


@frozen
class RouteSpec:
    priority: int | None = None
    httpRoute: HttpRoute | None = None
    http2Route: HttpRoute | None = None
    grpcRoute: GrpcRoute | None = None
    tcpRoute: TcpRoute | None = None


@frozen
class Route:
    meshName: str
    routeName: str
    virtualRouterName: str
    metadata: Metadata
    spec: RouteSpec
    status: Status | None = None


# --- virtual gateways -------------------------------------------------------------------------


@frozen
class GatewayListener:
    portMapping: PortMapping
    tls: dict | None = None


@frozen
class VirtualGatewaySpec:
    listeners: tuple[GatewayListener, ...] = ()


@frozen
class VirtualGateway:
    meshName: str
    virtualGatewayName: str
    metadata: Metadata
    spec: VirtualGatewaySpec = VirtualGatewaySpec()
    status: Status | None = None


@frozen
class GatewayVirtualService:
    virtualServiceName: str


@frozen
class GatewayTarget:
    virtualService: GatewayVirtualService
    port: int | None = None


@frozen
class PrefixRewrite:
    defaultPrefix: str | None = None  # ENABLED | DISABLED
    value: str | None = None


@frozen
class PathRewrite:
    exact: str | None = None


@frozen
class HostnameRewrite:
    # ENABLED | DISABLED; App Mesh's default (absent) is ENABLED: an HTTP/HTTP2 gateway
    # route sends the target virtual service's name as the Host
    defaultTargetHostname: str | None = None


@frozen
class GatewayRewrite:
    prefix: PrefixRewrite | None = None
    path: PathRewrite | None = None
    hostname: HostnameRewrite | None = None


@frozen
class GatewayAction:
    target: GatewayTarget
    rewrite: GatewayRewrite | None = None


@frozen
class HostnameMatch:
    exact: str | None = None
    suffix: str | None = None


@frozen
class GatewayRouteMatch:
    prefix: str | None = None
    path: HttpPathMatch | None = None
    headers: tuple[HttpRouteHeader, ...] = ()
    method: str | None = None
    hostname: HostnameMatch | None = None
    queryParameters: tuple[HttpQueryParameter, ...] = ()
    port: int | None = None
    serviceName: str | None = None  # gRPC gateway routes
    # gRPC gateway routes: botocore's GrpcGatewayRouteMetadata, a header's fields (name,
    # invert, match: exact | regex | range | prefix | suffix); all must match
    metadata: tuple[HttpRouteHeader, ...] = ()


@frozen
class HttpGatewayRoute:
    match: GatewayRouteMatch
    action: GatewayAction


@frozen
class GatewayRouteSpec:
    priority: int | None = None
    httpRoute: HttpGatewayRoute | None = None
    http2Route: HttpGatewayRoute | None = None
    grpcRoute: HttpGatewayRoute | None = None


@frozen
class GatewayRoute:
    meshName: str
    gatewayRouteName: str
    virtualGatewayName: str
    metadata: Metadata
    spec: GatewayRouteSpec
    status: Status | None = None


# --- list-* forms: references only ---------------------------------------------------------


@frozen
class Ref:
    """One entry of a `list-*` output: names and ARN, no spec."""

    arn: str
    meshName: str
    virtualNodeName: str | None = None
    virtualServiceName: str | None = None
    virtualRouterName: str | None = None
    routeName: str | None = None
    virtualGatewayName: str | None = None
    gatewayRouteName: str | None = None
