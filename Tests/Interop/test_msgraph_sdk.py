"""Microsoft's Python Graph SDK (msgraph-sdk, Kiota) against the sandbox: the URLs it builds for
`$count`, type casts (`graph.` alias), `$search` and `$filter` must be served.

Setup, as a user of a real tenant would do it: azure-identity's ClientSecretCredential with
`disable_instance_discovery=True` and the sandbox authority host; the SDK's base URL pointed at
the sandbox; httpx told to trust the sandbox CA (httpx reads SSL_CERT_FILE only through its
`trust_env`, so the client is given an SSL context with the CA)."""

import asyncio
import os
import ssl
import uuid
from urllib.parse import urlparse

import httpx
import pytest
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.applications.applications_request_builder import ApplicationsRequestBuilder
from msgraph.generated.models.application import Application
from msgraph_core import GraphClientFactory


def graph_client(sandbox):
    host = urlparse(sandbox.info["graphURL"])
    os.environ["SSL_CERT_FILE"] = sandbox.info["caFile"]
    credential = ClientSecretCredential(
        sandbox.info["tenantId"], sandbox.info["adminClientId"], sandbox.admin_secret,
        authority=f"https://{host.netloc}", disable_instance_discovery=True)
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=["https://graph.microsoft.com/.default"], allowed_hosts=[host.hostname])
    context = ssl.create_default_context(cafile=sandbox.info["caFile"])
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(verify=context))
    adapter = GraphRequestAdapter(auth, http)
    adapter.base_url = sandbox.graph
    return GraphServiceClient(request_adapter=adapter), credential


def eventual(**query):
    parameters = ApplicationsRequestBuilder.ApplicationsRequestBuilderGetQueryParameters(**query)
    config = RequestConfiguration(query_parameters=parameters)
    config.headers.add("ConsistencyLevel", "eventual")
    return config


def run(coroutine):
    return asyncio.run(coroutine)


def test_count_cast_search_and_filter_through_msgraph_sdk(sandbox):
    # Sources: microsoft-graph-docs-contrib api-reference/v1.0/api/application-list.md ($count,
    # $search with ConsistencyLevel: eventual); msgraph-sdk-python msgraph/generated/applications/
    # count/count_request_builder.py and identity/authentication_events_flows/
    # graph_external_users_self_service_sign_up_events_flow/ (the `graph.` cast segment).
    async def scenario():
        client, credential = graph_client(sandbox)
        name = "sdk-" + uuid.uuid4().hex[:8]
        try:
            created = await client.applications.post(Application(display_name=name + " web"))
            assert created.app_id
            count = await client.applications.count.get(request_configuration=eventual())
            assert isinstance(count, int) and count >= 2
            found = await client.applications.get(request_configuration=eventual(search=f'"displayName:{name}"'))
            assert [app.display_name for app in found.value] == [name + " web"]
            filtered = await client.applications.get(request_configuration=eventual(
                filter=f"appId eq '{created.app_id}'", count=True))
            assert filtered.odata_count == 1
            flows = await client.identity.authentication_events_flows \
                .graph_external_users_self_service_sign_up_events_flow.get()
            assert flows.value is not None
            await client.applications.by_application_id(created.id).delete()
        finally:
            await credential.close()

    run(scenario())
