using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sanpool.Core;

namespace Sanpool.Api.Binding;

/// <summary>
/// Reads a request record from the wire's argument strings, as strictly as the agent always
/// has (<see cref="VerbArgs"/>): an unknown name, a value of the wrong kind or a missing
/// required one is INVALID_ARGUMENT naming the verb and the argument. The record is the one
/// place a verb's arguments are written down: its constructor's parameters, by their JSON
/// names, are what the verb takes; a parameter with a default is optional.
/// <code>
/// Guid / Guid?           a UUID ("D" form)
/// long / int (+ ?)       whole number; [Positive] above zero, [Between(a, b)] in range
/// bool / bool?           true or false
/// enum (+ ?)             one of its names, any case
/// string / string?       text; a required one must not be empty
/// </code>
/// A request typed as <c>Dictionary&lt;string, string&gt;</c> takes its arguments as they came.
/// </summary>
public static class RequestBinder
{
    private static readonly ConcurrentDictionary<Type, Shape> Shapes = new();

    public static T Bind<T>(string verb, IReadOnlyDictionary<string, string> args)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(args);
        if (typeof(T).IsAssignableFrom(typeof(Dictionary<string, string>)))
        {
            return (T)(object)new Dictionary<string, string>(args, StringComparer.Ordinal);
        }

        var shape = Shapes.GetOrAdd(typeof(T), Describe);
        var a = new VerbArgs(verb, args, shape.Names);
        return (T)shape.Constructor.Invoke([.. shape.Parameters.Select(p => p.Read(a))]);
    }

    /// <summary>The argument names a request type takes, in its constructor's order.</summary>
    public static IReadOnlyList<string> Names(Type request) =>
        request.IsAssignableFrom(typeof(Dictionary<string, string>)) ? [] : Shapes.GetOrAdd(request, Describe).Names;

    /// <summary>Reflected once per request type: the constructor a request is built with, and its parameters by wire name.</summary>
    private static Shape Describe(Type type)
    {
        var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length)
            ?? throw new InvalidOperationException($"{type.Name} has no public constructor");
        Parameter[] parameters = [.. constructor.GetParameters().Select(p => new Parameter(p, WireName(type, p)))];
        return new Shape(constructor, parameters, [.. parameters.Select(p => p.Name)]);
    }

    private sealed record Shape(ConstructorInfo Constructor, IReadOnlyList<Parameter> Parameters, IReadOnlyList<string> Names);

    private static string WireName(Type type, ParameterInfo parameter)
    {
        var property = type.GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property?.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            ?? parameter.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(parameter.Name!);
    }

    private sealed class Parameter(ParameterInfo info, string name)
    {
        private readonly Type _type = Nullable.GetUnderlyingType(info.ParameterType) ?? info.ParameterType;
        private readonly bool _required = !info.HasDefaultValue;
        private readonly object? _default = info.HasDefaultValue ? info.DefaultValue : null;
        private readonly bool _positive = info.GetCustomAttribute<PositiveAttribute>() is not null;
        private readonly BetweenAttribute? _between = info.GetCustomAttribute<BetweenAttribute>();

        public string Name { get; } = name;

        public object? Read(VerbArgs a)
        {
            if (!a.Has(Name))
            {
                return _required ? throw CommonErrors.Invalid($"{a.Verb}: argument '{Name}' ({Kind}) is required") : _default;
            }

            if (_type == typeof(Guid))
            {
                return a.Uuid(Name);
            }

            if (_type == typeof(long) && _positive)
            {
                return a.Bytes(Name);
            }

            if (_type == typeof(long))
            {
                return a.LongNumber(Name, _between?.Min ?? long.MinValue, _between?.Max ?? long.MaxValue, 0);
            }

            if (_type == typeof(int))
            {
                return a.Number(Name, (int)(_between?.Min ?? int.MinValue), (int)(_between?.Max ?? int.MaxValue), 0);
            }

            if (_type == typeof(bool))
            {
                return a.Flag(Name);
            }

            if (_type.IsEnum)
            {
                return a.ParseEnum(_type, Name);
            }

            if (_type == typeof(string))
            {
                return _required ? a.Required(Name) : a.Optional(Name);
            }

            throw new InvalidOperationException($"a request cannot carry a {_type.Name} ({Name})");
        }

        private string Kind => _type == typeof(Guid) ? "a UUID"
            : _type == typeof(long) && _positive ? "bytes"
            : _type == typeof(long) || _type == typeof(int) ? "a whole number"
            : _type == typeof(bool) ? "true or false"
            : _type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(_type))}"
            : "text";
    }
}
