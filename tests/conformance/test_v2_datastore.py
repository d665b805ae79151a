"""v2 datastore through tcex's DataStore module: what tcex's tests/api/tc/v2/datastore/
(test_datastore_get.py, _put.py, _delete.py, test_datastore.py) assert."""

import pytest

AREA = 'v2 datastore'


@pytest.mark.fast
@pytest.mark.parametrize('domain', ['local', 'organization'])
def test_add_get_put_delete(v2, domain):
    ds = v2.datastore(domain, 'pytest')
    added = ds.add(rid='one', data={'one': 1})
    assert added.get('_id') == 'one' and added.get('_shards', {}).get('successful') == 1
    got = ds.get(rid='one')
    assert got.get('_id') == 'one' and got.get('_source') == {'one': 1} and got.get('found') is True
    put = ds.put(rid='one', data={'one': 2})
    assert put.get('_id') == 'one' and put.get('_shards', {}).get('successful') == 1
    assert ds.get(rid='one').get('_source') == {'one': 2}
    deleted = ds.delete(rid='one')
    assert deleted.get('_id') == 'one'
    assert deleted.get('_shards', {}).get('successful') == 1
    assert deleted.get('result') == 'deleted'


def test_put_creates(v2):
    # test_datastore_put.py: a PUT of a record that does not exist creates it.
    ds = v2.datastore('local', 'pytest')
    r = ds.put(rid='created-by-put', data={'two': 2})
    assert r.get('_id') == 'created-by-put' and r.get('_shards', {}).get('successful') == 1
    assert ds.get(rid='created-by-put').get('_source') == {'two': 2}


def test_get_without_rid_and_search(v2):
    # test_datastore_get.py, test_data_store_local_get_no_rid: get() without a record id searches.
    ds = v2.datastore('organization', 'pytest-search')
    ds.add(rid='a', data={'color': 'red'})
    ds.add(rid='b', data={'color': 'blue'})
    assert ds.get().get('hits') is not None
    hits = ds.get(rid='_search', data={'query': {'match': {'color': 'red'}}})
    assert [h['_id'] for h in hits['hits']['hits']] == ['a']
