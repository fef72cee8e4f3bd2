using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Sanpool.Engine.Web;

/// <summary>
/// The OpenAPI document (served at <see cref="DocumentPath"/>): every endpoint with its
/// responses. Typed results describe the successes; each group states its problem answers with
/// <see cref="ProducesProblems"/>. Every operation but the anonymous ones says it takes a
/// bearer token or Basic.
/// </summary>
public static class EngineOpenApi
{
    public const string DocumentPath = "/api/openapi.json";

    private const string Bearer = "bearer";
    private const string Basic = "basic";
    private const string LoginMark = "sanpool:login";

    /// <summary>Declares problem answers (<c>application/problem+json</c>) with these statuses.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(statuses);
        foreach (int status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [EngineProblems.ContentType]));
        }

        return builder;
    }

    /// <summary>An endpoint behind the login: it may answer 401 and 403.</summary>
    public static TBuilder RequiresLogin<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.ProducesProblems(StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden);

    /// <summary>Shows <typeparamref name="T"/> as the request body, in these media types, without routing by them (<see cref="DocumentedBody"/>).</summary>
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, params string[] contentTypes)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new DocumentedBody(typeof(T), contentTypes));
    }

    internal static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer(DescribeDocumentAsync);
        options.AddOperationTransformer(MarkLoginAsync);
        options.AddOperationTransformer(AddDocumentedBodyAsync);
    }

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = EngineAssembly.Name;
        document.Info.Version = EngineVersion.Text;
        document.Info.Description = "The manager of Sanpool's hosts and storage, in the shape of oVirt's REST API v4. "
            + "Log in with a bearer token from POST /api/sso/token, or Basic; errors are RFC 7807 problem documents with a stable code.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = Bearer,
            Description = "a token from POST /api/sso/token",
        };
        document.Components.SecuritySchemes[Basic] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = Basic,
            Description = "a user name and password",
        };
        var operations = (document.Paths?.Values ?? Enumerable.Empty<IOpenApiPathItem>())
            .SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>());
        foreach (var operation in operations)
        {
            if (operation.Metadata?.ContainsKey(LoginMark) == true)
            {
                operation.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Basic, document)] = [] },
                ];
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Marks the operations behind the login; the document transformer, which runs after, gives them their security requirements.</summary>
    private static Task MarkLoginAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Metadata ??= new Dictionary<string, object>(StringComparer.Ordinal);
            operation.Metadata[LoginMark] = true;
        }

        return Task.CompletedTask;
    }

    private static async Task AddDocumentedBodyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedBody>().FirstOrDefault() is not { } body)
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken).ConfigureAwait(false);
        var content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
        foreach (string type in body.ContentTypes)
        {
            content[type] = new OpenApiMediaType { Schema = schema };
        }

        operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
    }
}
