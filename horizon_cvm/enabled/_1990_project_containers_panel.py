# Project > Containers > Containers: the OS::CVM::Container stacks.
# The slug is not "containers": stock Horizon's Object Store panel has it.
PANEL = 'cvm_containers'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'cvm'
ADD_PANEL = 'horizon_cvm.content.containers.panel.Containers'
ADD_INSTALLED_APPS = ['horizon_cvm']
