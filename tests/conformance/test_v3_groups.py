"""v3 groups through tcex's Group and Groups objects: what tcex's tests/api/tc/v3/groups/
(test_group_snippets.py, test_group_interface.py) and group_attributes/ assert."""

import itertools

import pytest
from tcex.api.tc.v3.groups.group_model import GroupModel
from tcex.api.tc.v3.tql.tql_operator import TqlOperator

AREA = 'v3 groups'
_n = itertools.count(1)


def create(v3, type_='Adversary', **extra):
    g = v3.group(type=type_, name=extra.pop('name', f'conformance group {next(_n)}'), **extra)
    g.create()
    return g


@pytest.mark.fast
def test_create_get_update_delete(v3):
    # test_group_create, test_group_get_by_id, test_group_update, test_group_delete_by_id
    g = create(v3, xid=f'conformance-xid-{next(_n)}')
    assert g.model.id is not None
    got = v3.group(id=g.model.id)
    got.get()
    assert (got.model.name, got.model.type, got.model.owner_name) == (g.model.name, 'Adversary', 'Demo Org')
    got.model.name = 'renamed'
    got.update()
    again = v3.group(id=g.model.id)
    again.get()
    assert again.model.name == 'renamed'
    again.delete()
    with pytest.raises(RuntimeError):
        v3.group(id=g.model.id).get()


@pytest.mark.fast
def test_get_by_tql_with_relative_date(v3):
    # test_group_get_tql: dateAdded > "1 day ago", id, ownerName, typeName.
    g = create(v3)
    groups = v3.groups()
    groups.filter.date_added(TqlOperator.GT, '1 day ago')
    groups.filter.id(TqlOperator.EQ, g.model.id)
    groups.filter.owner_name(TqlOperator.EQ, 'Demo Org')
    groups.filter.type_name(TqlOperator.EQ, 'Adversary')
    assert [x.model.id for x in groups] == [g.model.id]
    groups = v3.groups()
    groups.filter.last_modified(TqlOperator.GT, '1 day ago')
    groups.filter.id(TqlOperator.EQ, g.model.id)
    assert [x.model.id for x in groups] == [g.model.id]


def test_stage_and_remove_associations_attributes_labels_tags(v3):
    # test_group_stage_* and test_group_remove_*
    g = create(v3)
    other = create(v3, type_='Campaign')
    ind = v3.indicator(type='Host', host_name=f'group-{next(_n)}.conformance.example')
    ind.create()
    g.stage_associated_group({'id': other.model.id})
    g.stage_associated_indicator({'id': ind.model.id})
    g.stage_attribute({'type': 'Description', 'value': 'staged', 'default': True})
    g.stage_security_label({'name': 'TLP:GREEN'})
    g.stage_tag({'name': 'conformance-group-tag'})
    g.update()
    assert [x.model.id for x in g.associated_groups] == [other.model.id]
    assert [x.model.id for x in g.associated_indicators] == [ind.model.id]
    assert [a.model.value for a in g.attributes] == ['staged']
    assert [s.model.name for s in g.security_labels] == ['TLP:GREEN']
    assert [t.model.name for t in g.tags] == ['conformance-group-tag']
    # Remove with mode=delete.
    g = v3.group(id=g.model.id)
    g.stage_tag({'name': 'conformance-group-tag'})
    g.stage_security_label({'name': 'TLP:GREEN'})
    g.stage_associated_group({'id': other.model.id})
    g.update(mode='delete')
    assert list(g.tags) == [] and list(g.security_labels) == [] and list(g.associated_groups) == []


@pytest.mark.fast
def test_group_attributes_collection(v3):
    # tests/api/tc/v3/group_attributes/test_group_attribute_snippets.py
    g = create(v3)
    a = v3.group_attribute(group_id=g.model.id, type='Description', value='described')
    a.create()
    col = v3.group_attributes()
    col.filter.group_id(TqlOperator.EQ, g.model.id)
    assert [x.model.value for x in col] == ['described']
    a.delete()
    col = v3.group_attributes()
    col.filter.group_id(TqlOperator.EQ, g.model.id)
    assert list(col) == []


def test_document_upload_and_download(v3):
    # test_document_upload / test_document_download: bytes in, the same bytes out.
    doc = create(v3, type_='Document', file_name='example.pdf')
    content = b'%PDF-1.4 conformance\n%%EOF\n'
    r = doc.upload(content)
    assert r.ok, r.text
    assert doc.download() == content


def test_document_download_pdf(v3):
    # test_document_download_pdf: the group as a PDF (bytes).
    doc = create(v3, type_='Report', file_name='report.pdf')
    pdf = doc.pdf()
    assert pdf.startswith(b'%PDF-') and pdf.rstrip().endswith(b'%%EOF')


def test_group_api_options(v3, api_options):
    # test_group_api_options: the sandbox's /fields names for groups need none of tcex's renames.
    api_options(v3.group(), GroupModel, '/v3/groups', {})


def test_victim_asset_associations(v3, session):
    # test_victim_asset_associations: a victim's asset staged on a group (PUT with
    # associatedVictimAssets), then read back through Group.associated_victim_assets (GET
    # /v3/victimAssets with hasGroup(id = N)) and with fields=associatedVictimAssets.
    g = create(v3)
    other = create(v3)
    victim = v3.victim(name=f'conformance victim {next(_n)}')
    victim.stage_victim_asset({'type': 'EmailAddress', 'address': 'malware@example.com', 'address_type': 'Trojan'})
    victim.create(params={'fields': ['_all_']})
    asset = victim.model.assets.data[0]
    g.stage_associated_victim_asset(asset)
    g.update(params={'fields': ['_all_']})
    assert [a.model.id for a in g.associated_victim_assets] == [asset.id]
    assert [a.model.id for a in other.associated_victim_assets] == []
    got = v3.group(id=g.model.id)
    got.get(params={'fields': ['associatedVictimAssets']})
    assert [a.address for a in got.model.associated_victim_assets.data] == ['malware@example.com']
    # Removed with the documented mode delete (tcex's VictimAssetsModel sends no mode: by hand).
    body = {'associatedVictimAssets': {'data': [{'id': asset.id}], 'mode': 'delete'}}
    assert session.put(f'/v3/groups/{g.model.id}', json=body).status_code == 200
    assert list(g.associated_victim_assets) == []
