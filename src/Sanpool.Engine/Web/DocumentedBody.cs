namespace Sanpool.Engine.Web;

/// <summary>
/// Endpoint metadata: the request body the OpenAPI document shows for an endpoint that reads
/// its body itself (the token endpoint takes JSON or a form). Unlike <c>Accepts</c> it does not
/// take part in routing, so a wrong media type reaches the endpoint and is answered
/// UNSUPPORTED_MEDIA_TYPE like any other error, login or not.
/// </summary>
internal sealed record DocumentedBody(Type Type, IReadOnlyList<string> ContentTypes);
