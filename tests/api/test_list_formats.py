"""Every list command answers the demo cloud in XML and in JSON with the same rows."""
import cloudsim.commands  # noqa: F401
from cloudsim.api.registry import COMMANDS
from tests.api.test_demo_zone import demo  # noqa: F401  (fixture)

NEEDS = {"listTemplates": {"templatefilter": "all"}, "listIsos": {"isofilter": "all"}}


async def test_lists_render_alike_in_xml_and_json(demo):  # noqa: F811
    # Lists that need an object to list for (listNics: a VM) are checked where that object is made.
    names = sorted(n for n, c in COMMANDS.items() if n.startswith("list") and c.authenticated
                   and not any(p.required and p.name not in NEEDS.get(n, {}) for p in c.params))
    assert len(names) > 25
    for name in names:
        params = NEEDS.get(name, {})
        as_json = await demo.admin.call(name, **params)
        as_xml = await demo.admin.call(name, response="xml", **params)
        assert as_json.status == as_xml.status == 200, (name, as_json.text[:200], as_xml.text[:200])
        assert as_xml.xml.tag == as_json.name == name.lower() + "response", name
        count = as_json.body.get("count", 0)
        xml_count = int(as_xml.xml.findtext("count") or 0)
        assert count == xml_count, name
        if count and name != "listApis":
            key = next(k for k in as_json.body if k != "count")
            assert len(as_xml.xml.findall(key)) == len(as_json.body[key]), name
