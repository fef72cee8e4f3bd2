using Sanpool.Core;

namespace Sanpool.Engine.Web;

/// <summary>
/// Codes of the engine's REST API and its security, band -1050 .. -1099 (the engine's data
/// layer has -1000 .. -1049). The HTTP status of each is in <see cref="EngineProblems"/>.
/// </summary>
public static class WebErrors
{
    /// <summary>401: no login, or a wrong one (password, unknown/expired/revoked token).</summary>
    public static readonly ErrorCode Unauthenticated = new(-1050, "UNAUTHENTICATED");

    /// <summary>403: a read-only user tried anything but GET.</summary>
    public static readonly ErrorCode ForbiddenReadOnly = new(-1051, "FORBIDDEN_READ_ONLY");

    /// <summary>403: only an admin may do this (list or add users).</summary>
    public static readonly ErrorCode AdminRequired = new(-1052, "ADMIN_REQUIRED");

    /// <summary>400: <c>max</c> or <c>page</c> out of range.</summary>
    public static readonly ErrorCode BadPage = new(-1053, "BAD_PAGE");

    /// <summary>413: the request body is larger than max_body_bytes.</summary>
    public static readonly ErrorCode BodyTooLarge = new(-1054, "BODY_TOO_LARGE");

    /// <summary>400: a Correlation-Id header that is not printable ASCII of at most 50 characters.</summary>
    public static readonly ErrorCode BadCorrelationId = new(-1055, "BAD_CORRELATION_ID");

    /// <summary>400: a body or parameter the endpoint cannot read (malformed JSON, a missing field).</summary>
    public static readonly ErrorCode BadRequest = new(-1056, "BAD_REQUEST");

    /// <summary>415: a body in a media type the endpoint does not take.</summary>
    public static readonly ErrorCode UnsupportedMediaType = new(-1057, "UNSUPPORTED_MEDIA_TYPE");

    /// <summary>404: no resource at this path.</summary>
    public static readonly ErrorCode PathNotFound = new(-1058, "PATH_NOT_FOUND");

    /// <summary>405: the resource exists, the method does not.</summary>
    public static readonly ErrorCode MethodNotAllowed = new(-1059, "METHOD_NOT_ALLOWED");

    /// <summary>409: a user of that name exists.</summary>
    public static readonly ErrorCode UserExists = new(-1060, "USER_EXISTS");

    /// <summary>400: a user name, password or role the engine does not take.</summary>
    public static readonly ErrorCode BadUser = new(-1061, "BAD_USER");

    /// <summary>400: DELETE /api/tokens/current by a request not logged in with a bearer token.</summary>
    public static readonly ErrorCode NoToken = new(-1062, "NO_TOKEN");

    /// <summary>404: the configured certificate has no CA the engine could serve.</summary>
    public static readonly ErrorCode CaNotFound = new(-1063, "CA_NOT_FOUND");

    /// <summary>500: data_dir/pki or the configured certificate cannot be read, or is inconsistent.</summary>
    public static readonly ErrorCode CertificateError = new(-1064, "CERTIFICATE_ERROR");

    /// <summary>The engine cannot bind its listen address (in use, no permission).</summary>
    public static readonly ErrorCode ListenFailed = new(-1065, "ENGINE_LISTEN_FAILED");

    /// <summary>500: anything unexpected; the answer carries a trace id, the engine's log the rest.</summary>
    public static readonly ErrorCode Internal = new(-1099, "ENGINE_INTERNAL");
}
