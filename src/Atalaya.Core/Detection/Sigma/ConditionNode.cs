namespace Atalaya.Core.Detection.Sigma;

/// <summary>The parsed condition, before search identifiers are bound to compiled searches.</summary>
internal abstract record ConditionNode;

internal sealed record AndNode(ConditionNode Left, ConditionNode Right) : ConditionNode;

internal sealed record OrNode(ConditionNode Left, ConditionNode Right) : ConditionNode;

internal sealed record NotNode(ConditionNode Operand) : ConditionNode;

internal sealed record IdentifierNode(string Name) : ConditionNode;

/// <summary><c>1 of sel*</c>, <c>all of them</c>: <see cref="Count"/> 0 means all; <see cref="Pattern"/> null means them.</summary>
internal sealed record QuantifierNode(int Count, string? Pattern) : ConditionNode;
