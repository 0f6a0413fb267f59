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

# Project > Containers > Containers: the OS::CVM::Container stacks.
# The slug is not "containers": stock Horizon's Object Store panel has it.
PANEL = 'cvm_containers'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'cvm'
ADD_PANEL = 'horizon_cvm.content.containers.panel.Containers'
ADD_INSTALLED_APPS = ['horizon_cvm']
