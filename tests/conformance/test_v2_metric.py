"""v2 custom metrics through tcex's Metric module: what tcex's tests/api/tc/v2/metric/
test_metric.py asserts."""

import uuid

import pytest

AREA = 'v2 metrics'


@pytest.mark.fast
def test_add_metrics(v2):
    metrics = v2.metric(name='pytest metric', description='pytest', data_type='Average', interval='Daily', keyed=False)
    results = metrics.add(value=42, date='2008-12-12T12:12:12', return_value=True, weight=4)
    metrics.add(value=24, date='2008-12-12T12:12:12', return_value=False)
    assert results.get('date') == '2008-12-12T00:00:00Z'


def test_add_keyed_metrics(v2):
    metrics = v2.metric(name='pytest metric by Owner', description='pytest', data_type='Average', interval='Daily', keyed=True)
    results = metrics.add_keyed(value=42, key='MyOrg', date='2008-12-12T12:12:12', return_value=True, weight=4)
    assert results.get('date') == '2008-12-12T00:00:00Z'


def test_create_new_metrics(v2):
    metrics = v2.metric(name=f'pytest-{uuid.uuid4()}', description='pytest', data_type='Sum', interval='Daily', keyed=True)
    assert metrics.metric_find()


def test_create_new_metrics_fail(v2):
    with pytest.raises(RuntimeError):
        v2.metric(name='x' * 500, description='pytest', data_type='Sum', interval='Daily', keyed=True)
