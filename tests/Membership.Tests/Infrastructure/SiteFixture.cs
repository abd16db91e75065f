namespace Membership.Tests.Infrastructure;

/// <summary>One site per test class: tests in a class share it and use unique emails and handles.</summary>
public sealed class SiteFixture : MembershipFactory;
