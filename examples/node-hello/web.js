// The Hello World app from Heroku's slug announcement.
var http = require('http');

var port = process.env.PORT || 5000;

http.createServer(function (req, res) {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('Hello World\n');
}).listen(port, function () {
  console.log('Listening on ' + port);
});
