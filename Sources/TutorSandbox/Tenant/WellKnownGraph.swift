/// Microsoft Graph's well-known identifiers: its appId and the ids of the permissions it offers,
/// as Microsoft publishes them (the same in every tenant).
public enum WellKnownGraph {
    /// Microsoft Graph's appId.
    public static let appId = "00000003-0000-0000-c000-000000000000"
    /// The tenant that owns Microsoft's first-party applications.
    public static let microsoftServicesTenantId = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

    /// Delegated permissions: (id, value, type, admin consent name).
    static let scopes: [(id: String, value: String, type: String, name: String)] = [
        ("37f7f235-527c-4136-accd-4a02d197296e", "openid", "User", "Sign users in"),
        (
            "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", "User",
            "Maintain access to data you have given it access to"
        ),
        ("14dad69e-099b-42c9-810b-d002981feec1", "profile", "User", "View users' basic profile"),
        ("64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0", "email", "User", "View users' email address"),
        ("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", "User", "Sign in and read user profile"),
        ("a154be20-db9c-4678-8ab7-66f6cc099a59", "User.Read.All", "Admin", "Read all users' full profiles"),
        ("c79f8feb-a9db-4090-85f9-90d820caa0eb", "Application.Read.All", "Admin", "Read applications"),
        (
            "bdfbf15f-ee85-4955-8675-146e8e5296b5", "Application.ReadWrite.All", "Admin",
            "Read and write all applications"
        ),
        (
            "41ce6ca6-6826-4807-84f1-1c82854f7ee5", "DelegatedPermissionGrant.ReadWrite.All", "Admin",
            "Manage all delegated permission grants"
        ),
        (
            "f7dd3bed-5eec-48da-bc73-1c0ef50bc9a1", "EventListener.Read.All", "Admin",
            "Read your organization's authentication event listeners"
        ),
        (
            "d11625a6-fe21-4fc6-8d3d-063eba5525ad", "EventListener.ReadWrite.All", "Admin",
            "Read and write your organization's authentication event listeners"
        ),
        ("4908d5b9-3fb2-4b1e-9336-1888b7937185", "Organization.Read.All", "Admin", "Read organization information"),
        ("06da0dbc-49e2-44d2-8312-53f166ab848a", "Directory.Read.All", "Admin", "Read directory data"),
    ]

    /// Application permissions: (id, value, display name).
    static let appRoles: [(id: String, value: String, name: String)] = [
        ("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All", "Read all applications"),
        ("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All", "Read and write all applications"),
        (
            "8e8e4742-1d95-4f68-9d56-6ee75648c72a", "DelegatedPermissionGrant.ReadWrite.All",
            "Manage all delegated permission grants"
        ),
        ("b7f6385c-6ce6-4639-a480-e23c42ed9784", "EventListener.Read.All", "Read all authentication event listeners"),
        (
            "0edf5e9e-4ce8-468a-8432-d08631d18c43", "EventListener.ReadWrite.All",
            "Read and write all authentication event listeners"
        ),
        ("498476ce-e0fe-48b0-b801-37ba7e2685c6", "Organization.Read.All", "Read organization information"),
        (
            "292d869f-3427-49a8-9dab-8c70152b74e9", "Organization.ReadWrite.All",
            "Read and write organization information"
        ),
        ("df021288-bdef-4463-88db-98f22de89214", "User.Read.All", "Read all users' full profiles"),
        ("7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Directory.Read.All", "Read directory data"),
        ("19dbc75e-c2e2-444c-a770-ec69d8559fc7", "Directory.ReadWrite.All", "Read and write directory data"),
    ]

    /// The application permissions the pre-provisioned admin app holds.
    public static let adminAppRoles = [
        "Application.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All", "EventListener.ReadWrite.All",
        "Organization.Read.All", "User.Read.All",
    ]
}
