namespace FakeMx.EndToEnd.Support;

/// <summary>
/// The mail scenarios share one <see cref="MailLab"/> and run one after another: they reuse
/// the same addresses, and each reads FakeMX's and Postfix's logs as its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MailLabCollection : ICollectionFixture<MailLab>
{
    public const string Name = "mail lab";
}
