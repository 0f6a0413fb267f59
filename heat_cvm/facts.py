# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""What a container's nested stack says about itself in a stack list (pure).

The Horizon panel lists containers with one call, ``GET /stacks
?show_nested=True&tags=heat-cvm``: every OS::CVM::Container tags its
nested stack with ``TAG``, whatever template its stack was created from.
A stack list row carries no parameters, outputs nor even a description
(Heat leaves it empty in lists), but it does carry the stack's tags, so the
nested stack also carries the facts a list row shows (image, published
ports, sizes, the resource's name) as ``heat-cvm:<fact>=<value>`` tags,
which ``openstack stack list --nested --tags heat-cvm`` shows readably.

Heat allows 80 characters per tag and no comma: a longer value (an image
with a digest) continues in ``heat-cvm:<fact>+1=...`` and commas are
escaped. Nothing secret goes there: tags are shown to anyone who may
read the stack.
"""

TAG = 'heat-cvm'
_PREFIX = TAG + ':'
_TAG_LENGTH = 80
_SIZES = ('min_size', 'desired_capacity', 'max_size')


def container_facts(spec, resource_name=''):
    """The facts of a ContainerSpec that a list row shows, as strings."""
    scaling = spec.scaling
    result = {
        'name': spec.name,
        'image': spec.image,
        'ports': ' '.join('%d/%s' % (port.host_port, port.protocol)
                          for port in spec.ports),
        'size': '/'.join(str(getattr(scaling, key)) for key in _SIZES),
        'autoscale': 'yes' if scaling.autoscale else 'no',
        'resource': resource_name,
    }
    if scaling.autoscale:
        # The user's limits (percent for cpu), in which the panel shows
        # the values the alarms compared.
        limits = scaling.autoscale.limits
        result['limits'] = '%g/%g' % (limits.down_below, limits.up_above)
        result['meter'] = scaling.autoscale.meter
    return result


def _escape(value):
    return value.replace('%', '%25').replace(',', '%2C')


def _unescape(value):
    return value.replace('%2C', ',').replace('%25', '%')


def fact_tags(key, value):
    """The tags holding one fact (more than one for a long value)."""
    value = _escape(value)
    tags, part = [], 0
    while True:
        head = '%s%s%s=' % (_PREFIX, key, '+%d' % part if part else '')
        room = _TAG_LENGTH - len(head)
        tags.append(head + value[:room])
        value, part = value[room:], part + 1
        if not value:
            return tags


def tags(spec, resource_name=''):
    """The tags of a container's nested stack: TAG, then its facts."""
    result = [TAG]
    for key, value in sorted(container_facts(spec, resource_name).items()):
        result.extend(fact_tags(key, value))
    return result


def read(stack_tags):
    """The facts in a stack's tags (strings), or None if not a container."""
    stack_tags = stack_tags or []
    if TAG not in stack_tags:
        return None
    parts = {}
    for tag in stack_tags:
        if not tag.startswith(_PREFIX) or '=' not in tag:
            continue
        head, value = tag[len(_PREFIX):].split('=', 1)
        key, _sep, index = head.partition('+')
        parts.setdefault(key, {})[int(index) if index.isdigit() else 0] = \
            value
    return {key: _unescape(''.join(pieces[i] for i in sorted(pieces)))
            for key, pieces in parts.items()}


def _numbers(facts, key, kind, count):
    """The ``count`` numbers of a "a/b/..." fact, or None if not known."""
    try:
        numbers = tuple(kind(n) for n in facts[key].split('/'))
    except (KeyError, ValueError, AttributeError):
        return None
    return numbers if len(numbers) == count else None


def limits(facts):
    """(scale in below, scale out above) from facts, or None."""
    return _numbers(facts, 'limits', float, 2)


def sizes(facts):
    """(min, desired, max) from facts, or None when they are not known."""
    return _numbers(facts, 'size', int, 3)
