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

"""horizon_cvm: the Project > Containers panel for Horizon.

A pure core with no Django import (containers.py: list rows and the
resource's properties; launch.py: a template's parameters as form fields;
catalog.py: the templates it launches), one module that talks to Heat
(api.py), and the Django views, tables, tabs and forms in
content/containers/. enabled/ holds the files an operator copies into
Horizon (see README.rst).
"""
