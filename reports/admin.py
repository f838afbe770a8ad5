"""Nothing to register: the membership export is a function for other admins to use
(``reports.exports.export_memberships_response``)."""
