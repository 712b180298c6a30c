"""The server answers signed calls over HTTP in both formats."""


async def test_list_capabilities_json(cloud):
    reply = await cloud.admin.call("listCapabilities")
    assert reply.status == 200
    assert reply.name == "listcapabilitiesresponse"
    assert reply["capability"]["cloudstackversion"] == "4.20.1.0"


async def test_list_accounts_xml(cloud):
    reply = await cloud.admin.call("listAccounts", response="xml")
    assert reply.status == 200
    assert reply.xml.tag == "listaccountsresponse"
    assert reply.xml.get("cloud-stack-version") == "4.20.1.0"
    assert reply.xml.findtext("count") == "1"
    assert reply.xml.findtext("account/name") == "admin"
